// Where locald's time goes during page loads: the page-load workload through locald only,
// profiled with Linux `perf` (CPU of every thread, kernel included; JavaScript named through
// --perf-basic-prof) when it works, else `node --cpu-prof` (main thread, wall-clock samples).
//   npx tsx test/bench/pageload-profile.ts [locald-h1|locald-h2] [loads]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfile, type CpuProfile } from './cpu-profile.js';
import type { PageloadVariant } from './pageload-app.js';
import { pageLoad } from './pageload.js';
import { perfReport, perfWorks, summarisePerfReport } from './perf-profile.js';
import { installCleanup, stopAll, track } from './procs.js';
import { pageloadTable, perfSection, profileSection } from './report.js';

async function main(): Promise<void> {
  const variant = (process.argv[2] ?? 'locald-h1') as PageloadVariant;
  if (variant !== 'locald-h1' && variant !== 'locald-h2') throw new Error(`variant must be locald-h1 or locald-h2, got "${variant}"`);
  const loads = Number(process.argv[3] ?? 5);
  const work = mkdtempSync(join(tmpdir(), 'locald-pageload-profile-'));
  installCleanup(async () => {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });
  const dir = join(work, 'cpu-profile');
  mkdirSync(dir, { recursive: true });
  const usePerf = perfWorks();
  const perfData = join(work, 'perf.data');
  let recording: ChildProcess | null = null;
  let localdPid = 0;
  try {
    const result = await pageLoad({
      work,
      loads,
      warmups: 3,
      modules: 1000,
      only: [variant],
      localdNodeArgs: usePerf ? ['--perf-basic-prof'] : ['--cpu-prof', '--cpu-prof-dir', dir],
      onMeasuring: (pid) => {
        localdPid = pid;
        // perf stops by itself when locald exits at the end of the run.
        if (usePerf) recording = track(spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid), '-o', perfData], { stdio: 'ignore' }));
      },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    console.log(pageloadTable(result));
    console.log(`\nlocald process, ${variant}, the ${loads} measured loads:\n`);
    if (usePerf) {
      const rec = recording as ChildProcess | null;
      if (rec !== null && rec.exitCode === null) await new Promise((resolve) => rec.once('exit', resolve));
      const report = perfReport(perfData);
      rmSync(`/tmp/perf-${localdPid}.map`, { force: true });
      console.log(perfSection(summarisePerfReport(report, 25), 0).split('\n').slice(2).join('\n'));
      return;
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const biggest = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (biggest === undefined) throw new Error('locald wrote no .cpuprofile');
    // Start-up and the warm-up load are included: --cpu-prof covers the whole process.
    const profile = JSON.parse(readFileSync(biggest, 'utf8')) as CpuProfile;
    console.log(profileSection(summariseProfile(profile, 25), 0).split('\n').slice(2).join('\n'));
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`pageload-profile: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll();
  process.exit(1);
});
