import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseLsofListeners,
  parseNetstatListeners,
  parsePidPairs,
  parseProcNetTcp,
  processTree,
  socketInode,
} from '../../engine/supervisor/listening-sockets.js';

// Linux 6.x, trailing blanks as the kernel prints them.
const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 0100007F:B3AF 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0                    
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0                       
   2: 0100007F:B3AF 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 123999 1 0000000000000000 20 4 30 10 -1                    
   3: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 0 1 0000000000000000 100 0 0 10 0                     
`;
const PROC_NET_TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:5DD0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
`;

test('/proc/net/tcp{,6}: LISTEN rows with their port and inode; other states and inode 0 are skipped', () => {
  assert.deepEqual(parseProcNetTcp(PROC_NET_TCP), [
    { port: 45_999, inode: 123_456 },
    { port: 8080, inode: 777 },
  ]);
  assert.deepEqual(parseProcNetTcp(PROC_NET_TCP6), [{ port: 24_016, inode: 4242 }]);
  assert.deepEqual(parseProcNetTcp(''), []);
  assert.deepEqual(parseProcNetTcp('garbage\n  0: x y\n'), []);
});

test('fd links: only sockets have an inode', () => {
  assert.equal(socketInode('socket:[123456]'), 123_456);
  assert.equal(socketInode('pipe:[123456]'), null);
  assert.equal(socketInode('/dev/null'), null);
  assert.equal(socketInode('anon_inode:[eventpoll]'), null);
});

test('macOS lsof -F n: ports of the name lines, IPv4, IPv6 and wildcard, deduplicated and sorted', () => {
  const sample = ['p4567', 'f23', 'n*:45999', 'f24', 'n[::1]:45999', 'p4570', 'f12', 'n127.0.0.1:24678', ''].join('\n');
  assert.deepEqual(parseLsofListeners(sample), [24_678, 45_999]);
  assert.deepEqual(parseLsofListeners(''), []);
  assert.deepEqual(parseLsofListeners('p1\nf3\nnlocalhost:http\n'), [], 'a service name (no -P) is not a port');
});

const NETSTAT = `
Active Connections

  Proto  Local Address          Foreign Address        State           PID
  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1012
  TCP    0.0.0.0:45999          0.0.0.0:0              LISTENING       8812
  TCP    127.0.0.1:45999        127.0.0.1:50312        ESTABLISHED     8812
  TCP    127.0.0.1:50312        127.0.0.1:45999        ESTABLISHED     5100
  TCP    [::]:45999             [::]:0                 LISTENING       8812
  TCP    [::1]:24678            [::]:0                 LISTENING       8813
  UDP    0.0.0.0:5353           *:*                                    8812
`;

test('Windows netstat -ano: listening TCP ports of the given pids only, in any language', () => {
  assert.deepEqual(parseNetstatListeners(NETSTAT, new Set([8812, 8813])), [24_678, 45_999]);
  assert.deepEqual(parseNetstatListeners(NETSTAT, new Set([5100])), [], 'an established connection is not a listener');
  assert.deepEqual(parseNetstatListeners(NETSTAT.replace(/LISTENING/g, 'ABHÖREN'), new Set([1012])), [135]);
  assert.deepEqual(parseNetstatListeners(NETSTAT.replace(/\n/g, '\r\n'), new Set([8813])), [24_678]);
});

test('Windows process tree: the shell and everything below it', () => {
  const pairs = parsePidPairs('0 0\r\n4 0\r\n100 4\r\n8000 100\r\n8812 8000\r\n8813 8812\r\n9000 100\r\nnoise\r\n');
  assert.deepEqual([...processTree(8000, pairs)].sort(), [8000, 8812, 8813]);
  assert.deepEqual([...processTree(1, pairs)], [1]);
});
