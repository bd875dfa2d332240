// `locald up DIR…` when an engine already runs for this state directory: show the commands
// the projects would run, get them approved, add them to that engine, follow their logs,
// and stop them on Ctrl+C (unless --detach).
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { formatConfigIssue, type ProjectConfig } from '../../shared/config.js';
import type { EngineInfo, ProjectRequestResult } from '../../shared/api.js';
import { EngineCallError } from '../../shared/wire-client.js';
import { loadProject } from '../config/index.js';
import type { ControlClient } from '../control/client.js';
import { readOwnerRecord } from '../control/owner-record.js';
import type { GuardedOutput } from '../guarded-output.js';
import type { CliCommand } from './args.js';
import { formatLogLine } from './format.js';

type UpCommand = Extract<CliCommand, { kind: 'up' }>;

/** Pure: what the user approves, one service per line. */
export function describeCommands(configs: readonly ProjectConfig[], info: EngineInfo): string[] {
  const lines = [`locald: an engine already runs (pid ${info.pid}, port ${info.httpPort}); adding ${configs.map((c) => c.name).join(', ')} to it.`, 'These commands will run:'];
  for (const c of configs) for (const s of c.services) lines.push(`  ${c.name}/${s.name}: ${s.command}   (in ${s.cwd})`);
  return lines;
}

function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((done) => {
    rl.question(question, (answer) => {
      // Settled before close(): closing emits 'close' at once, which means "no answer".
      done(/^y(es)?$/i.test(answer.trim()));
      rl.close();
    });
    rl.once('close', () => done(false));
  });
}

export async function attachUp(command: UpCommand, client: ControlClient, output: GuardedOutput): Promise<number> {
  const { out, err, outDroppable } = output;
  const { api } = client;
  const info = await api.call('engine.info', {});
  const configs: ProjectConfig[] = [];
  for (const dir of command.dirs) {
    const result = await loadProject(resolve(dir));
    if (result.ok) configs.push(result.config);
    else err([`locald: cannot load ${dir}:`, ...result.issues.map((i) => `  ${formatConfigIssue(i)}`)].join('\n'));
  }
  if (configs.length === 0) {
    err('locald: no project could be loaded; nothing to add.');
    return 1;
  }
  const names = new Set(configs.map((c) => c.name.toLowerCase()));
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const followLogs = (): (() => void) =>
    api.subscribe('service.log', (lines) => {
      for (const line of lines) {
        if (!names.has(line.project.toLowerCase())) continue;
        const text = formatLogLine(line, color);
        if (line.stream === 'system') out(text);
        else outDroppable(text);
      }
    });

  // The desktop app approves in its own dialog (and runs what it approved); a `locald up`
  // engine answers "ask on your terminal".
  const owner = readOwnerRecord(info.home);
  if (owner?.pid === info.pid && owner.kind === 'desktop app') {
    out(`locald: the locald app runs the engine (pid ${info.pid}, port ${info.httpPort}); approve ${configs.map((c) => c.name).join(', ')} in its dialog.`);
  }
  let offLogs = followLogs();
  const first = await requestProject(client, configs[0]!.dir);
  let added: string[];
  // What the app approved stays in its tray: Ctrl+C switches it off there rather than removing it.
  const viaApp = first.outcome !== 'ask_terminal';
  if (viaApp) {
    added = [];
    for (const [index, config] of configs.entries()) {
      const answer = index === 0 ? first : await requestProject(client, config.dir);
      if (answer.outcome === 'approved') {
        added.push(answer.project.name);
        out(`locald: ${answer.project.name} is ${answer.project.status} at ${answer.project.url}`);
      } else if (answer.outcome === 'declined') {
        err(`locald: ${config.name}: ${answer.message}`);
      }
    }
  } else {
    offLogs();
    for (const line of describeCommands(configs, info)) out(line);
    if (command.yes !== true) {
      if (process.stdin.isTTY !== true) {
        err('locald: refusing to run these commands without approval: no terminal to ask on; pass --yes to approve them');
        return 1;
      }
      if (!(await ask('Run them? [y/N] '))) {
        err('locald: not approved; nothing was added.');
        return 1;
      }
    }
    offLogs = followLogs();
    added = await addAndStart(client, configs, output);
  }
  if (added.length === 0) return 1;
  if (command.detach === true) {
    offLogs();
    out(`locald: ${added.join(', ')} keep${added.length === 1 ? 's' : ''} running in the engine (pid ${info.pid}); stop with \`locald stop ${added[0]}\``);
    return 0;
  }

  const ended = await new Promise<string>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => done(signal));
    void output.gone.then(() => done('output closed'));
    void client.closed.then(() => done('engine'));
  });
  if (ended === 'engine') {
    err('locald: the engine stopped; its projects stopped with it');
    return 1;
  }
  // A second Ctrl+C does not wait for the services to stop.
  process.once('SIGINT', () => process.exit(130));
  out(`locald: ${ended}: stopping ${added.join(', ')}…`);
  for (const project of added) await api.call(viaApp ? 'projects.stop' : 'projects.remove', { project }).catch(() => undefined);
  offLogs();
  out('locald: stopped.');
  return 0;
}

/** An engine from before projects.request existed cannot show a dialog: ask on the terminal. */
async function requestProject(client: ControlClient, dir: string): Promise<ProjectRequestResult> {
  try {
    return await client.api.call('projects.request', { dir });
  } catch (e) {
    if (e instanceof EngineCallError && e.code === 'unknown_method') return { outcome: 'ask_terminal' };
    throw e;
  }
}

async function addAndStart(client: ControlClient, configs: readonly ProjectConfig[], { out, err }: GuardedOutput): Promise<string[]> {
  const added: string[] = [];
  for (const config of configs) {
    try {
      const state = await client.api.call('projects.add', { dir: config.dir });
      added.push(state.name);
      const started = await client.api.call('projects.start', { project: state.name });
      out(`locald: ${started.name} is ${started.status} at ${started.url}`);
    } catch (e) {
      err(`locald: ${config.name}: ${e instanceof EngineCallError ? e.message.replace(/^[\w.]+: /, '') : String(e)}`);
    }
  }
  return added;
}
