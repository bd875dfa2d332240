// Which TCP ports processes listen on, from each platform's own view of its sockets:
// Linux /proc/net/tcp{,6}, macOS `lsof -F`, Windows `netstat -ano` (plus a process list to
// follow the service's process tree). Pure parsers; group-listeners.ts does the I/O.

/** TCP state 0A is LISTEN in /proc/net/tcp (include/net/tcp_states.h). */
const PROC_TCP_LISTEN = '0A';

export interface ProcListener {
  port: number;
  /** The socket's inode, matched against /proc/<pid>/fd/* links `socket:[inode]`. */
  inode: number;
}

/** LISTEN sockets of a /proc/net/tcp or /proc/net/tcp6 table. */
export function parseProcNetTcp(text: string): ProcListener[] {
  const listeners: ProcListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== PROC_TCP_LISTEN) continue;
    const port = parseInt(fields[1]?.split(':')[1] ?? '', 16);
    const inode = Number(fields[9]);
    if (isPort(port) && Number.isInteger(inode) && inode > 0) listeners.push({ port, inode });
  }
  return listeners;
}

/** The inode of a /proc/<pid>/fd link target `socket:[12345]`, or null for anything else. */
export function socketInode(linkTarget: string): number | null {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m === null ? null : Number(m[1]);
}

/**
 * Ports in `lsof -F n` output (one field per line; `n` lines are names such as `*:5173`,
 * `127.0.0.1:5173` or `[::1]:5173`). The caller selects LISTEN TCP sockets with
 * `-iTCP -sTCP:LISTEN`; `p`/`f` lines (pid, descriptor) are skipped.
 */
export function parseLsofListeners(text: string): number[] {
  const ports: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('n')) continue;
    const m = /:(\d+)$/.exec(line);
    if (m !== null) ports.push(Number(m[1]));
  }
  return uniquePorts(ports);
}

/**
 * Ports that processes in `pids` listen on, from `netstat -ano` output (TCP rows; IPv6 ones too).
 * The state column is localised ("LISTENING", "ABHÖREN"…), so a listener is recognised by
 * its foreign address, which is `0.0.0.0:0` / `[::]:0` only for listening sockets.
 */
export function parseNetstatListeners(text: string, pids: ReadonlySet<number>): number[] {
  const ports: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || !/^TCP(v6)?$/i.test(fields[0] ?? '')) continue;
    const local = fields[1] ?? '';
    const foreign = fields[2] ?? '';
    const pid = Number(fields[fields.length - 1]);
    if (!/:0$/.test(foreign) || !pids.has(pid)) continue;
    const port = Number(/:(\d+)$/.exec(local)?.[1]);
    ports.push(port);
  }
  return uniquePorts(ports);
}

/** `pid parentPid` pairs, one per line (the process list locald asks PowerShell for on Windows). */
export function parsePidPairs(text: string): [pid: number, parent: number][] {
  const pairs: [number, number][] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m !== null) pairs.push([Number(m[1]), Number(m[2])]);
  }
  return pairs;
}

/** `root` and every process below it in the parent relation. */
export function processTree(root: number, pairs: readonly (readonly [number, number])[]): Set<number> {
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of pairs) {
      // pid === parent guards against Windows' System Idle Process (0, parent 0).
      if (pid !== parent && tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

export function uniquePorts(ports: readonly number[]): number[] {
  return [...new Set(ports.filter(isPort))].sort((a, b) => a - b);
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
