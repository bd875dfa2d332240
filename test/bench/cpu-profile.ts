// Summarises a V8 .cpuprofile: self time per function and per source file. Pure.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: SelfTime[];
  files: SelfTime[];
}

/** Shortens a script URL to something readable: repo-relative for our files, `node:x` for Node's. */
export function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const repo = /\/(dist\/(?:engine|shared)\/.*)$/.exec(url) ?? /\/((?:engine|shared)\/.*)$/.exec(url);
  if (repo !== null) return repo[1] as string;
  const nm = /node_modules\/(.*)$/.exec(url);
  if (nm !== null) return nm[1] as string;
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const perFunction = new Map<string, { name: string; where: string; us: number }>();
  const perFile = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (node === undefined || us <= 0) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      return;
    }
    busyUs += us;
    const file = shortUrl(url);
    const name = functionName === '' ? '(anonymous)' : functionName;
    const where = url === '' ? file : `${file}:${lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = perFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    perFunction.set(key, entry);
    perFile.set(file, (perFile.get(file) ?? 0) + us);
  });
  const share = (us: number): number => (busyUs === 0 ? 0 : us / busyUs);
  const functions = [...perFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, share: share(f.us) }));
  const files = [...perFile.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([file, us]) => ({ name: file, where: file, ms: us / 1000, share: share(us) }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions, files };
}
