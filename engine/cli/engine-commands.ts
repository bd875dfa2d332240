// `locald ls`, `status`, `logs`, `restart`, `stop`, `open`: clients of the running engine,
// reached over its control socket.
import type { LogLine } from '../../shared/state.js';
import { EngineCallError } from '../../shared/wire-client.js';
import { connectControl, type ControlClient } from '../control/client.js';
import { checkOwnerRecord, readOwnerRecord } from '../control/owner-record.js';
import { guardOutput } from '../guarded-output.js';
import { resolveHome } from '../home.js';
import type { CliCommand } from './args.js';
import { formatLogLine } from './format.js';
import { engineStatus, formatProjectList, formatStatus } from './listing.js';
import { openUrl } from './opener.js';

type EngineCommand = Extract<CliCommand, { kind: 'ls' | 'status' | 'logs' | 'restart' | 'stop' | 'open' }>;

/** One line for "nothing to talk to", naming a stale record when one was left behind. */
export async function noEngineMessage(home: string): Promise<string> {
  const record = readOwnerRecord(home);
  const verdict = record === null ? null : await checkOwnerRecord(record);
  const stale = verdict !== null && !verdict.live ? ` (a stale record was left: ${verdict.reason})` : '';
  return `locald: no engine is running for ${home}${stale}; start one with \`locald up\``;
}

export async function runEngineCommand(command: EngineCommand): Promise<number> {
  const { out, err } = guardOutput();
  const home = resolveHome(command.home);
  let client: ControlClient | null;
  try {
    client = await connectControl(home);
  } catch (e) {
    err(`locald: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (client === null) {
    err(await noEngineMessage(home));
    return 1;
  }
  try {
    return await run(command, client, home, out);
  } catch (e) {
    err(`locald: ${e instanceof EngineCallError ? e.message.replace(/^[\w.]+: /, '') : e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    client.close();
  }
}

async function run(command: EngineCommand, client: ControlClient, home: string, out: (line: string) => void): Promise<number> {
  const { api } = client;
  switch (command.kind) {
    case 'ls': {
      const projects = await api.call('projects.list', {});
      out(command.json ? JSON.stringify(projects, null, 2) : formatProjectList(projects));
      return 0;
    }
    case 'status': {
      const [info, projects] = await Promise.all([api.call('engine.info', {}), api.call('projects.list', {})]);
      const status = engineStatus(info, readOwnerRecord(home), projects, client.path, Date.now());
      out(command.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      return 0;
    }
    case 'stop': {
      const state = await api.call('projects.stop', { project: command.project });
      out(`locald: ${state.name} is ${state.status}`);
      return 0;
    }
    case 'restart': {
      if (command.service !== undefined) {
        const s = await api.call('services.restart', { project: command.project, service: command.service });
        out(`locald: ${command.project}/${s.name} is ${s.status}`);
        return 0;
      }
      await api.call('projects.stop', { project: command.project });
      const state = await api.call('projects.start', { project: command.project });
      out(`locald: ${state.name} is ${state.status} at ${state.url}`);
      return 0;
    }
    case 'open': {
      const url = await urlToOpen(command.project, client, home);
      out(url);
      const problem = await openUrl(url);
      if (problem !== null) out(`locald: ${problem}`);
      return 0;
    }
    case 'logs':
      return followLogs(command, client, out);
  }
}

async function urlToOpen(project: string | undefined, client: ControlClient, home: string): Promise<string> {
  if (project !== undefined) {
    const match = (await client.api.call('projects.list', {})).find((p) => p.name.toLowerCase() === project.toLowerCase());
    if (match === undefined) throw new Error(`no project '${project}' in the running engine (see locald ls)`);
    return match.url;
  }
  const info = await client.api.call('engine.info', {});
  // The record holds the dashboard address with its token, so the browser gets in at once.
  const record = readOwnerRecord(home);
  return record !== null && record.pid === info.pid ? record.dashboardUrl : info.dashboardUrl;
}

/** Pure: whether a log line is one `locald logs` was asked for. */
export function logLineMatches(line: LogLine, filter: { project: string; service?: string | undefined; grep?: RegExp | undefined; notBefore?: number | undefined }): boolean {
  if (line.project.toLowerCase() !== filter.project.toLowerCase()) return false;
  if (filter.service !== undefined && line.service !== filter.service) return false;
  if (filter.notBefore !== undefined && line.time < filter.notBefore) return false;
  return filter.grep === undefined || filter.grep.test(line.text);
}

async function followLogs(command: Extract<EngineCommand, { kind: 'logs' }>, client: ControlClient, out: (line: string) => void): Promise<number> {
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const filter = {
    project: command.project,
    service: command.service,
    grep: command.grep === undefined ? undefined : new RegExp(command.grep),
    notBefore: command.sinceMs === undefined ? undefined : Date.now() - command.sinceMs,
  };
  let lastSeq = -1;
  const print = (line: LogLine): void => {
    if (line.seq <= lastSeq || !logLineMatches(line, filter)) return;
    lastSeq = line.seq;
    out(formatLogLine(line, color));
  };
  // Subscribed before reading the backlog, so no line falls between the two; seq removes doubles.
  const live: LogLine[] = [];
  let backlogDone = false;
  const off = command.follow
    ? client.api.subscribe('service.log', (lines) => {
        if (backlogDone) lines.forEach(print);
        else live.push(...lines);
      })
    : () => undefined;
  const backlog = await client.api.call('logs.read', { project: command.project, ...(command.service === undefined ? {} : { service: command.service }), limit: 10_000 });
  backlog.forEach(print);
  live.forEach(print);
  backlogDone = true;
  if (!command.follow) return 0;
  const ended = await new Promise<'signal' | 'engine'>((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
    void client.closed.then(() => resolve('engine'));
  });
  off();
  if (ended === 'engine') {
    out('locald: the engine stopped');
    return 1;
  }
  return 0;
}
