// The engine's utility process and main's own API client to it. The engine gets the
// user's state folder and, once read, the login shell's environment.
import { utilityProcess } from 'electron';
import type { UtilityProcess } from 'electron';
import type { EngineInfo, ProjectRequestResult } from '../shared/api.js';
import { ENGINE_HOME_ENV } from '../shared/engine-host.js';
import type { HostToEngine } from '../shared/engine-host.js';
import { WireClient } from '../shared/wire-client.js';
import { ENGINE_EXEC_ARGV, EngineHost } from './logic/engine-host.js';
import type { EngineProcess } from './logic/engine-host.js';
import { mergeShellEnv } from './logic/shell-env.js';
import type { EngineStatus } from './logic/engine-supervision.js';

export interface EngineLinkOptions {
  /** The built engine entry (paths.engineEntry). */
  entry: string;
  /** The engine's state folder, passed as LOCALD_HOME. */
  home: string;
  onStatus: (status: EngineStatus) => void;
  onReady: (info: EngineInfo) => void;
  /** A terminal's `locald up DIR`: the same approval dialog as Add Project…, then it runs here. */
  onProjectRequest: (dir: string) => Promise<ProjectRequestResult>;
}

function adaptUtilityProcess(child: UtilityProcess): EngineProcess {
  return {
    send: (message: HostToEngine) => child.postMessage(message),
    kill: () => void child.kill(),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
  };
}

export class EngineLink {
  readonly host: EngineHost;
  /** main's own client; windows get theirs through serveEnginePorts. */
  readonly engine: WireClient;
  private env: Record<string, string>;

  constructor(private readonly options: EngineLinkOptions) {
    this.env = this.engineEnv({});
    this.host = new EngineHost({
      spawn: () => adaptUtilityProcess(utilityProcess.fork(options.entry, [], { serviceName: 'locald engine', env: this.env, stdio: 'inherit', execArgv: [...ENGINE_EXEC_ARGV] })),
      onStatus: options.onStatus,
      onReady: options.onReady,
      onProblem: (text) => console.warn(`[locald] ${text}`),
      onProjectRequest: options.onProjectRequest,
    });
    this.engine = new WireClient((message) => this.host.bridge.fromClient('main', message));
    this.host.bridge.attach('main', (message) => this.engine.receive(message));
  }

  /** The login shell's environment, for every engine start from now on. */
  useShellEnv(shellEnv: Record<string, string>): void {
    this.env = this.engineEnv(shellEnv);
  }

  private engineEnv(shellEnv: Record<string, string>): Record<string, string> {
    return { ...mergeShellEnv(process.env, shellEnv), [ENGINE_HOME_ENV]: this.options.home };
  }
}
