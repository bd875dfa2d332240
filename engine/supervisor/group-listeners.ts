// The TCP ports a service's processes actually listen on, whatever they print. Linux reads
// /proc; macOS asks lsof for the process group; Windows matches netstat against the tree
// under the service's shell. Returns [] whenever the platform tool is missing or fails:
// this only feeds a diagnosis.
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { groupMembers } from './process-group.js';
import { parseLsofListeners, parseNetstatListeners, parsePidPairs, parseProcNetTcp, processTree, socketInode, uniquePorts, type ProcListener } from './listening-sockets.js';

/** Sorted listening ports of process group `pgid` (on Windows: the tree under pid `pgid`). */
export async function listeningPortsOfGroup(pgid: number): Promise<number[]> {
  switch (process.platform) {
    case 'linux':
      return linuxPorts(pgid);
    case 'win32':
      return windowsPorts(pgid);
    default:
      // -a: AND the selections (group and LISTEN TCP), not OR; -g: the whole group, so a
      // server started by `npm run` under the shell is found too.
      return parseLsofListeners(await run('lsof', ['-a', '-g', String(pgid), '-iTCP', '-sTCP:LISTEN', '-P', '-n', '-F', 'n']));
  }
}

async function linuxPorts(pgid: number): Promise<number[]> {
  const inodes = new Set<number>();
  // Membership unreadable (out of descriptors): no diagnosis this round.
  for (const pid of (await groupMembers(pgid)) ?? []) for (const inode of await socketInodesOf(pid)) inodes.add(inode);
  if (inodes.size === 0) return [];
  const listeners = await procListeners();
  return uniquePorts(listeners.filter((l) => inodes.has(l.inode)).map((l) => l.port));
}

/** Linux: the inodes of the sockets process `pid` has open (none when its descriptors cannot be read). */
export async function socketInodesOf(pid: number): Promise<Set<number>> {
  const inodes = new Set<number>();
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  for (const target of targets) {
    const inode = socketInode(target);
    if (inode !== null) inodes.add(inode);
  }
  return inodes;
}

/** Linux: every LISTEN TCP socket, IPv4 and IPv6. */
export async function procListeners(): Promise<ProcListener[]> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')));
  return tables.flatMap(parseProcNetTcp);
}

async function windowsPorts(rootPid: number): Promise<number[]> {
  const [netstat, processes] = await Promise.all([
    run('netstat', ['-ano']),
    run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', 'Get-CimInstance Win32_Process | ForEach-Object { "$($_.ProcessId) $($_.ParentProcessId)" }']),
  ]);
  return parseNetstatListeners(netstat, processTree(rootPid, parsePidPairs(processes)));
}

/** stdout of a command, or '' when it cannot run or fails. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 5_000, windowsHide: true, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => resolve(err === null ? stdout : ''));
  });
}
