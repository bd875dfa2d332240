// Where locald's CPU goes under load, from Linux `perf` (cpu-clock samples of every thread,
// kernel included, JIT-compiled JavaScript named through node's --perf-basic-prof map).
// Preferred over `node --cpu-prof` when perf is installed: V8's sampler charges most of a
// proxy's time to the native `writev`/`writeLatin1String` frames (where it lands, not where
// the cycles are), and it cannot see the kernel, GC threads or llhttp at all. Parsing is pure.
import { execFileSync, spawnSync } from 'node:child_process';

export interface PerfShare {
  name: string;
  /** Share of all samples of the process. */
  share: number;
}

export interface PerfSummary {
  kind: 'perf';
  samples: number;
  categories: PerfShare[];
  /** Hottest symbols overall (self). */
  symbols: PerfShare[];
  /** locald's own JIT-compiled functions (self; callees inlined by V8 count here). */
  ours: PerfShare[];
}

export const PERF_CATEGORIES = [
  'kernel (loopback TCP, syscalls, scheduling)',
  'garbage collection',
  'HTTP parsing (llhttp)',
  "locald's JavaScript",
  "Node.js's JavaScript (http, net, streams, events)",
  'other JavaScript',
  'V8 builtins and runtime (property access, calls, allocation)',
  'Node.js and libuv C++',
  'libc (memcpy, malloc, syscall stubs)',
  'other',
] as const;
type Category = (typeof PERF_CATEGORIES)[number];

const GC = /v8::internal::(?:Heap|Scavenge|Scavenger|Marking|ConcurrentMarking|IncrementalMarking|MarkCompact|MinorMarkCompact|Sweeper|Evacuat|GCTracer|MemoryAllocator|PagedSpace|SemiSpace|LocalHeap|MainMarkingVisitor|MarkingVisitor|WeakObjects|HeapObjectVisitor)|MarkingVisitorBase|ScavengeVisitor/;
const OURS = /(?:^|\/)(?:dist\/)?(?:engine|shared)\//;

export function categorise(dso: string, kernel: boolean, symbol: string): Category {
  if (kernel) return PERF_CATEGORIES[0];
  if (symbol.startsWith('JS:') || symbol.startsWith('LazyCompile:') || dso.startsWith('[JIT]')) {
    if (OURS.test(symbol) && !symbol.includes('node_modules')) return PERF_CATEGORIES[3];
    if (/\bnode:/.test(symbol)) return PERF_CATEGORIES[4];
    return PERF_CATEGORIES[5];
  }
  if (GC.test(symbol)) return PERF_CATEGORIES[1];
  if (symbol.includes('llhttp')) return PERF_CATEGORIES[2];
  if (symbol.startsWith('Builtins_') || symbol.startsWith('v8::') || symbol.startsWith('Builtin:')) return PERF_CATEGORIES[6];
  if (symbol.startsWith('node::') || symbol.startsWith('uv_') || symbol.startsWith('uv__') || symbol.includes('(anonymous namespace)::Parser')) return PERF_CATEGORIES[7];
  if (dso.startsWith('libc') || dso.startsWith('libstdc++') || dso.startsWith('ld-linux')) return PERF_CATEGORIES[8];
  return PERF_CATEGORIES[9];
}

// `  14.74%  [kernel.kallsyms]    [k] pvm_irq_enable` (`perf report --sort dso,sym --stdio -g none`)
const LINE = /^\s*([\d.]+)%\s+(.+?)\s+\[([k.])\]\s+(.+?)\s*$/;

/** Summarises `perf report --no-children --sort dso,sym --stdio -g none` output. */
export function summarisePerfReport(text: string, top = 15): PerfSummary {
  const byCategory = new Map<Category, number>();
  const symbols: PerfShare[] = [];
  const ours: PerfShare[] = [];
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const share = Number(m[1]) / 100;
    const dso = m[2] as string;
    const symbol = (m[4] as string).replace(/^JS:[*~^]?/, 'JS:');
    const category = categorise(dso, m[3] === 'k', symbol);
    byCategory.set(category, (byCategory.get(category) ?? 0) + share);
    total += share;
    const name = symbol.replace(/^JS:/, '').replace(/file:\/\/\S*?\/(dist\/)/, '$1');
    symbols.push({ name, share });
    if (category === PERF_CATEGORIES[3]) ours.push({ name, share });
  }
  const counted = /# Samples: ([\d.]+)([KM]?)/.exec(text);
  const samples = counted === null ? NaN : Math.round(Number(counted[1]) * (counted[2] === 'K' ? 1e3 : counted[2] === 'M' ? 1e6 : 1));
  const sortTop = (list: PerfShare[]): PerfShare[] => [...list].sort((a, b) => b.share - a.share).slice(0, top);
  return {
    kind: 'perf',
    samples,
    categories: PERF_CATEGORIES.map((name) => ({ name, share: byCategory.get(name) ?? 0 })).filter((c) => c.share > 0 || total === 0),
    symbols: sortTop(symbols),
    ours: sortTop(ours),
  };
}

/** Whether `perf record` works here (installed, and allowed to sample). */
export function perfWorks(): boolean {
  const r = spawnSync('perf', ['record', '-q', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** `perf report` of a recording, flat by DSO and symbol: the text summarisePerfReport reads. */
export function perfReport(data: string): string {
  return execFileSync('perf', ['report', '-i', data, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none'], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}
