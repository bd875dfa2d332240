// `locald up`: the engine, the proxy and the dashboard in the foreground of a terminal.
import { formatConfigIssue, type ConfigIssue } from '../../shared/config.js';
import { DEFAULT_HTTP_PORT } from '../../shared/defaults.js';
import { serviceFailures } from '../../shared/service-failures.js';
import type { ProjectState } from '../../shared/state.js';
import { EngineError } from '../engine-error.js';
import { connectControl, type ControlClient } from '../control/client.js';
import { EngineRunningError } from '../control/server.js';
import { describeThrown, guardOutput, releaseStdio, type GuardedOutput } from '../guarded-output.js';
import { resolveHome } from '../home.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { readVersion } from '../version.js';
import type { CliCommand } from './args.js';
import { formatLogLine, formatProjectBanner } from './format.js';
import { watchParent } from './parent-watch.js';
import { attachUp } from './up-attach.js';

type UpCommand = Extract<CliCommand, { kind: 'up' }>;

export async function runUp(command: UpCommand): Promise<number> {
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  // Every line goes through the guard: a closed terminal or pipe must neither crash us nor loop.
  const output = guardOutput();
  const { out, err, outDroppable, bell, gone, isGone } = output;

  const home = resolveHome(command.home);
  let runtime: Runtime;
  try {
    // One engine per state directory: when one runs, this `up` becomes its client.
    const running = await connectControl(home);
    if (running !== null) return await attachAndClose(command, running, output);
    runtime = await startRuntime({
      home,
      httpPort: command.httpPort ?? DEFAULT_HTTP_PORT,
      capture: command.capture && process.env.LOCALD_CAPTURE !== '0',
      ...(command.captureMaxTotalBytes === undefined ? {} : { captureLimits: { maxTotalBytes: command.captureMaxTotalBytes } }),
      onWarning: (message) => err(`locald: warning: ${message}`),
    });
  } catch (e) {
    // Lost a race for the state directory to an engine that started meanwhile: join it.
    const winner = e instanceof EngineRunningError ? await connectControl(home).catch(() => null) : null;
    if (winner !== null) return attachAndClose(command, winner, output);
    err(`locald: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const { engine, proxy, dashboard } = runtime;
  for (const line of describeReap(runtime.reaped)) out(`locald: ${line}`);

  const loaded: ProjectState[] = [];
  for (const dir of command.dirs) {
    try {
      loaded.push(await engine.addProject(dir));
    } catch (e) {
      err(describeLoadError(dir, e));
    }
  }
  if (loaded.length === 0) {
    err('locald: no project could be loaded; nothing to run.');
    await runtime.close();
    return 1;
  }
  for (const p of loaded) {
    for (const w of p.configIssues) err(`warning: ${formatConfigIssue(w)}`);
    // Said once here: the rules' own log lines at load come before this terminal subscribes.
    const rules = engine.rules.list(p.name);
    for (const i of rules.projectFileIssues) err(`warning (its rules are not loaded): ${formatConfigIssue(i)}`);
    for (const w of rules.warnings) err(`warning: ${formatConfigIssue(w)}`);
  }

  const labelWidth = Math.max(...loaded.flatMap((p) => p.services.map((s) => p.name.length + 1 + s.name.length)));
  // One source for what happens to a service: its log. The supervisor logs every change of
  // state once ('system' lines, printed as locald's); a service's own output may be dropped
  // while the terminal does not read, locald's lines never are.
  engine.subscribe('service.log', (lines) => {
    for (const line of lines) {
      const text = formatLogLine(line, color, labelWidth);
      if (line.stream === 'system') out(text);
      else outDroppable(text);
    }
  });

  if (command.bell) {
    // The line saying what failed is already out: the engine flushes a state's log lines
    // before the state. The same failures as the desktop app's notifications, unthrottled:
    // a bell is one short sound per event, and the lines say what rang it.
    const last = new Map<string, ProjectState>(engine.listProjects().map((p) => [p.name, p]));
    engine.subscribe('project.state', (state) => {
      const failed = serviceFailures(last.get(state.name), state).length > 0;
      last.set(state.name, state);
      if (failed) bell();
    });
  }

  out(`locald ${readVersion()} — proxy on http://127.0.0.1:${proxy.port} (home ${runtime.engine.info().home})`);
  for (const p of engine.listProjects()) out(formatProjectBanner(p, color));
  if (runtime.ca !== null) {
    out(`locald: https://<project>.localhost:${proxy.port}/ works on the same port (HTTP/2); trust the local CA with \`locald ca --install\` (${runtime.ca.certPath})`);
  }
  out(`locald: dashboard ${dashboard.url()}`);

  let stopping: Promise<number> | null = null;
  let killing = false;
  const stop = (reason: string): Promise<number> => {
    if (stopping !== null) {
      // The user does not want to wait for the grace period: SIGKILL now. The stop in
      // progress then sees every group gone, removes the records and exits.
      if (!killing) {
        killing = true;
        err(`locald: ${reason} again — killing every service now (SIGKILL)`);
        void runtime.kill();
      }
      return stopping;
    }
    out(`locald: ${reason}: stopping every service…`);
    stopping = (async () => {
      await runtime.close();
      out('locald: stopped.');
      // Everything we own is gone; idle keep-alive sockets in other libraries must not hold the terminal.
      setImmediate(() => {
        if (isGone()) releaseStdio();
        process.exit(0);
      });
      return 0;
    })();
    return stopping;
  };

  // A long-running supervisor must not die on one stray socket error: it would orphan services.
  // Reporting it cannot recurse: neither describeThrown nor the guarded err throws, a failed write
  // never becomes another uncaught exception, and once the output is gone nothing is written.
  // A write that fails because the output is gone resolves `gone`, which stops us below.
  process.on('uncaughtException', (e) => err(`locald: unexpected error (continuing): ${describeThrown(e)}`));
  process.on('unhandledRejection', (e) => err(`locald: unexpected rejection (continuing): ${describeThrown(e)}`));

  const done = new Promise<number>((resolve) => {
    const stopOn = (reason: string) => (): void => void stop(reason).then(resolve);
    process.on('SIGINT', stopOn('SIGINT'));
    process.on('SIGTERM', stopOn('SIGTERM'));
    process.on('SIGHUP', stopOn('SIGHUP'));
    // Started through npx: npm does not forward signals, so its death would orphan us.
    watchParent(stopOn('parent process exited'));
    // Nobody reads our output any more (terminal closed, piping parent killed): that is a hang-up.
    void gone.then(stopOn('output closed'));
  });

  await Promise.all(
    loaded.map((p) =>
      engine.startProject(p.name).catch((e: unknown) => err(`locald: ${p.name}: ${e instanceof Error ? e.message : String(e)}`)),
    ),
  );
  for (const p of engine.listProjects()) out(`locald: ${p.name} is ${p.status} at ${p.url}`);
  return done;
}

async function attachAndClose(command: UpCommand, client: ControlClient, output: GuardedOutput): Promise<number> {
  try {
    return await attachUp(command, client, output);
  } finally {
    client.close();
  }
}

function describeLoadError(dir: string, e: unknown): string {
  if (e instanceof EngineError && e.code === 'config_invalid') {
    const issues = (e.details as { issues?: ConfigIssue[] } | undefined)?.issues ?? [];
    return [`locald: cannot load ${dir}:`, ...issues.map((i) => `  ${formatConfigIssue(i)}`)].join('\n');
  }
  return `locald: cannot load ${dir}: ${e instanceof Error ? e.message : String(e)}`;
}

function describeReap(report: unknown): string[] {
  if (report === null || typeof report !== 'object') return [];
  const killed = (report as { killed?: unknown }).killed;
  if (!Array.isArray(killed) || killed.length === 0) return [];
  return [`reaped ${killed.length} process group${killed.length === 1 ? '' : 's'} left over from a previous run`];
}
