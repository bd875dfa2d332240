// utilityProcess.fork → a real Node child process running the real module (the built
// engine entry), with `process.parentPort` provided by ./parent-port.mjs over the
// child's IPC channel.
//
// What differs from Electron's utilityProcess and MessagePortMain:
// - The child is a plain Node 20 process, not Electron's sandboxable utility process:
//   no sandbox, no `serviceName` in the task manager, Node 20 instead of Electron's Node 24.
// - parentPort and every transferred port share the one IPC pipe (Node's 'advanced'
//   serialization, i.e. V8's structured clone, as in Electron); in Electron each port is
//   its own Mojo pipe, so here a busy port can delay the others.
// - Ports travel one way only, main → child (postMessage's transfer list); a port the
//   child received cannot be transferred again, and the child cannot send ports back.
// - A transferred port's close is an envelope on the pipe; when the child dies, main's
//   ends of its ports see 'close', as with Electron.
// - The IPC channel keeps the child alive only while something listens on parentPort, as a
//   MessagePort would; an entry that gives up before listening (host.fatal) exits by itself.
// - 'exit' gives the exit code; for a child killed by a signal, 128 + the signal number
//   (Electron reports the raw waitpid status, which differs by platform).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { PortMainStandIn } from './ports.js';
import type { MissingApiSink } from './strict.js';
import { checkOptions, strict } from './strict.js';

const PARENT_PORT_SHIM = fileURLToPath(new URL('./parent-port.mjs', import.meta.url));

interface ForkOptions {
  env?: NodeJS.ProcessEnv;
  stdio?: 'inherit' | 'pipe' | 'ignore';
  serviceName?: string;
  execArgv?: string[];
  cwd?: string;
}

type Envelope =
  | { standIn: 'message'; data: unknown; ports: number[] }
  | { standIn: 'port'; id: number; data: unknown }
  | { standIn: 'port-close'; id: number };

export interface UtilityObserver {
  spawned(child: UtilityProcessStandIn): void;
  /** Every message the child sends main, for cleanup bookkeeping (service PIDs). */
  message(child: UtilityProcessStandIn, data: unknown): void;
}

export class UtilityProcessStandIn extends EventEmitter {
  readonly child: ChildProcess;
  readonly modulePath: string;
  private nextPortId = 1;
  private readonly ports = new Map<number, PortMainStandIn>();
  exitCode: number | null = null;

  constructor(modulePath: string, args: string[], options: ForkOptions, observer: UtilityObserver) {
    super();
    this.modulePath = modulePath;
    const stdio = options.stdio ?? 'inherit';
    this.child = fork(modulePath, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      execArgv: ['--import', PARENT_PORT_SHIM, ...(options.execArgv ?? [])],
      stdio: [stdio, stdio, stdio, 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('spawn', () => this.emit('spawn'));
    this.child.on('message', (raw: Envelope) => {
      if (raw.standIn === 'message') {
        observer.message(this, raw.data);
        this.emit('message', raw.data);
      } else if (raw.standIn === 'port') {
        this.ports.get(raw.id)?.nodePort.postMessage(raw.data);
      } else if (raw.standIn === 'port-close') {
        this.ports.get(raw.id)?.close();
        this.ports.delete(raw.id);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.exitCode = code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0);
      for (const port of this.ports.values()) port.close();
      this.ports.clear();
      this.emit('exit', this.exitCode);
    });
    observer.spawned(this);
  }

  get pid(): number | undefined {
    return this.exitCode === null ? this.child.pid : undefined;
  }

  get stdout(): NodeJS.ReadableStream | null {
    return this.child.stdout;
  }

  get stderr(): NodeJS.ReadableStream | null {
    return this.child.stderr;
  }

  postMessage(data: unknown, transfer: PortMainStandIn[] = []): void {
    const ids = transfer.map((port) => {
      const id = this.nextPortId++;
      this.ports.set(id, port);
      // The port's messages from main now go to the child instead of a local listener.
      port.nodePort.on('message', (message: unknown) => this.send({ standIn: 'port', id, data: message }));
      port.nodePort.on('close', () => this.send({ standIn: 'port-close', id }));
      return id;
    });
    this.send({ standIn: 'message', data, ports: ids });
  }

  kill(): boolean {
    if (this.exitCode !== null) return false;
    return this.child.kill('SIGTERM');
  }

  private send(envelope: Envelope): void {
    if (this.child.connected) this.child.send(envelope);
  }
}

export function createUtilityProcess(missing: MissingApiSink, observer: UtilityObserver) {
  return strict(
    'utilityProcess',
    {
      fork(modulePath: string, args: string[] = [], options: ForkOptions = {}): UtilityProcessStandIn {
        checkOptions('utilityProcess.fork', options, ['env', 'stdio', 'serviceName', 'execArgv', 'cwd'], missing);
        return strict('UtilityProcess', new UtilityProcessStandIn(modulePath, args, options, observer), missing);
      },
    },
    missing,
  );
}
