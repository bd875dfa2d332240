// Summarises a V8 .cpuprofile: self time per function and per source file. Pure.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
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
  /** locald's own functions (engine/, shared/) by inclusive time: what they cost with everything they call. */
  ours: SelfTime[];
}

const isOurs = (url: string): boolean => /\/(?:dist\/)?(?:engine|shared)\//.test(url) && !url.includes('node_modules');

/** Shortens a script URL to something readable: repo-relative for our files, `node:x` for Node's. */
export function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const repo = /\/(dist\/(?:engine|shared)\/.*)$/.exec(url) ?? /\/((?:engine|shared)\/.*)$/.exec(url);
  if (repo !== null) return repo[1] as string;
  const nm = /node_modules\/(.*)$/.exec(url);
  if (nm !== null) return nm[1] as string;
  return url.replace(/^file:\/\//, '');
}

/**
 * `skipMs`: ignore the first samples (start-up: module loading, compiling), so the summary is
 * about the steady state under load.
 */
export function summariseProfile(profile: CpuProfile, top = 15, skipMs = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  let clock = 0;
  const perFunction = new Map<string, { name: string; where: string; us: number }>();
  const perFile = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    clock += us;
    if (node === undefined || us <= 0 || clock < skipMs * 1000) return;
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
    // Charge this sample to every one of our functions on the stack, once each (recursion).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || !isOurs(frame.url)) continue;
      const fname = frame.functionName === '' ? '(anonymous)' : frame.functionName;
      const fwhere = `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      const fkey = `${fname}@${fwhere}`;
      if (seen.has(fkey)) continue;
      seen.add(fkey);
      const e = inclusive.get(fkey) ?? { name: fname, where: fwhere, us: 0 };
      e.us += us;
      inclusive.set(fkey, e);
    }
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
  const ours = [...inclusive.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, share: share(f.us) }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions, files, ours };
}
