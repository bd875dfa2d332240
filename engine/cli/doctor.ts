// `locald doctor`: runs every check, prints each verdict with its fix, exits 1 when one failed.
import { DEFAULT_HTTP_PORT } from '../../shared/defaults.js';
import { checkOwnerRecord, readOwnerRecord } from '../control/owner-record.js';
import { probeCa, probeEngine, probePortHolders, probeResolver } from '../doctor/probes.js';
import {
  doctorExitCode,
  doctorPort,
  engineAnswers,
  formatDoctorReport,
  judgeCa,
  judgeEngine,
  judgeNode,
  judgePort,
  judgeResolver,
  type CheckResult,
} from '../doctor/verdicts.js';
import { resolveHome } from '../home.js';
import type { DoctorCommand } from './diagnose-args.js';

export async function runDoctor(command: DoctorCommand): Promise<number> {
  // Read only: doctor must not create the state folder or a CA it is asked about.
  const home = resolveHome(command.home);
  const record = readOwnerRecord(home);
  const live = record !== null && (await checkOwnerRecord(record)).live;
  const port = doctorPort(command.httpPort, record === null ? null : { port: record.port, live }, DEFAULT_HTTP_PORT);
  const [engine, resolver, ca, listeners] = await Promise.all([probeEngine(port, home), probeResolver(), probeCa(home), probePortHolders(port)]);
  // The engine's pid: from its owner record, else the process holding the port when locald answers there.
  const holder = listeners.holders.length === 1 ? listeners.holders[0] : undefined;
  if (engineAnswers(engine) && record !== null && live && record.port === port) engine.owner = { pid: record.pid, version: record.version };
  else if (engineAnswers(engine) && holder !== undefined) engine.owner = { pid: holder.pid };
  const results: CheckResult[] = [
    judgeEngine(engine),
    judgeResolver(resolver, port),
    judgeCa(ca),
    judgePort({ port, listening: engine.answer.kind !== 'refused' || listeners.listed, holders: listeners.holders, locald: engineAnswers(engine) }),
    judgeNode(process.versions.node),
  ];
  if (command.json) {
    process.stdout.write(`${JSON.stringify({ ok: doctorExitCode(results) === 0, home, port, checks: results }, null, 2)}\n`);
  } else {
    const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
    process.stdout.write(`${formatDoctorReport(results, color)}\n`);
  }
  return doctorExitCode(results);
}
