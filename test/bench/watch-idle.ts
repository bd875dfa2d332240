// File watching at rest and on save (not part of `npm test`): `npx tsx test/bench/watch-idle.ts`.
// Builds a tree of 10,000 watched files plus a node_modules of 10,000 more, then measures, for
// locald's per-folder watcher and for Node's own recursive fs.watch: setup time, watch handles
// (inotify watches, from /proc/self/fdinfo), CPU of this process over 10 s at rest; and, with a real
// supervisor and service, the time from a save to the restarted service serving the new text.
import { watch } from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectSupervisor } from '../../engine/supervisor/index.js';
import { watchTree } from '../../engine/watch/tree-watcher.js';
import { createWatchFilter } from '../../engine/watch/watch-filter.js';
import { nodeFixture } from '../integration/supervisor-kit.js';

const REST_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function inotifyWatches(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('inotify')) count += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify')).length;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

function makeTree(root: string): void {
  for (let d = 0; d < 100; d++) {
    for (const base of [join(root, 'src', `pkg${d}`), join(root, 'node_modules', `dep${d}`)]) {
      mkdirSync(base, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(base, `f${f}.go`), 'package x\n');
    }
  }
  writeFileSync(join(root, 'src', 'version.txt'), 'v0');
}

async function atRest(label: string, open: () => Promise<() => void>): Promise<void> {
  const t0 = performance.now();
  const close = await open();
  const setupMs = performance.now() - t0;
  await sleep(500);
  const watches = inotifyWatches();
  const c0 = process.cpuUsage();
  await sleep(REST_MS);
  const c = process.cpuUsage(c0);
  close();
  console.log(`${label}: setup ${setupMs.toFixed(0)} ms, ${watches} inotify watches, CPU at rest ${((c.user + c.system) / 1000).toFixed(1)} ms over ${REST_MS / 1000} s`);
}

async function saveLatency(root: string): Promise<void> {
  const samples: number[] = [];
  const state = { served: '' };
  const supervisor = new ProjectSupervisor(
    {
      name: 'bench',
      dir: root,
      file: join(root, 'locald.toml'),
      source: 'locald.toml',
      routes: [],
      services: [
        {
          name: 'web',
          command: nodeFixture('serve-file.js'),
          port: null,
          cwd: root,
          env: {},
          dependsOn: [],
          ready: { kind: 'tcp', timeoutMs: 30_000 },
          restart: 'never',
          protocol: 'http1',
          watch: { patterns: ['src/**/*.{go,txt}'], ignore: [], debounceMs: 300, restartDependents: false },
        },
      ],
    },
    { stateDir: mkdtempSync(join(tmpdir(), 'locald-bench-state-')), nextSeq: (() => { let n = 0; return () => ++n; })(), onState: () => undefined, onLog: (l) => { const m = /serving (\S+)/.exec(l.text); if (m !== null) state.served = m[1] ?? ''; } },
  );
  await supervisor.start();
  for (let i = 1; i <= 5; i++) {
    const savedAt = performance.now();
    writeFileSync(join(root, 'src', 'version.txt'), `v${i}`);
    for (;;) {
      const s = supervisor.state('web');
      if (state.served === `v${i}` && s?.status === 'ready') break;
      await sleep(5);
    }
    samples.push(performance.now() - savedAt);
    await sleep(300);
  }
  const c0 = process.cpuUsage();
  await sleep(REST_MS);
  const c = process.cpuUsage(c0);
  console.log(`supervisor with one watched service at rest: CPU ${((c.user + c.system) / 1000).toFixed(1)} ms over ${REST_MS / 1000} s`);
  await supervisor.stop();
  samples.sort((a, b) => a - b);
  console.log(`save -> restarted and ready (debounce 300 ms): ${samples.map((s) => s.toFixed(0)).join(', ')} ms; median ${samples[2]?.toFixed(0)} ms`);
}

const root = mkdtempSync(join(tmpdir(), 'locald-watch-bench-'));
try {
  makeTree(root);
  console.log(`node ${process.version}, ${process.platform}; tree: 10,000 files in src/, 10,000 in node_modules/, 202 folders`);
  const filter = createWatchFilter(['src/**/*.go'], []);
  await atRest('locald per-folder watcher', async () => {
    const tree = watchTree({ root, isIgnored: filter.isIgnored, onChange: () => undefined, onError: (m) => console.log(m), mode: 'per-folder' });
    await tree.ready;
    return () => tree.close();
  });
  await atRest('node fs.watch recursive', async () => {
    const w = watch(root, { recursive: true }, () => undefined);
    return () => w.close();
  });
  await saveLatency(root);
} finally {
  rmSync(root, { recursive: true, force: true });
}
