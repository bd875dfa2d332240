// A `locald` command's connection to the running engine: the same WireClient the desktop
// app uses, over the control socket.
import net from 'node:net';
import { WireClient } from '../../shared/wire-client.js';
import { encodeLine, LineDecoder } from './ndjson.js';
import { controlSocketPath } from './socket-path.js';

export interface ControlClient {
  api: WireClient;
  path: string;
  /** Resolves when the engine closes the connection (it stopped, or was killed). */
  closed: Promise<void>;
  close(): void;
}

/** Connects to the engine of `home`; null when none runs (no socket, or a stale one nobody listens on). */
export function connectControl(home: string): Promise<ControlClient | null> {
  const path = controlSocketPath(home);
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    socket.setEncoding('utf8');
    const api = new WireClient((message) => {
      socket.write(encodeLine(message));
    });
    const decoder = new LineDecoder();
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((r) => (closedResolve = r));
    socket.once('connect', () => {
      socket.off('error', onConnectError);
      socket.on('error', () => undefined);
      resolve({ api, path, closed, close: () => socket.destroy() });
    });
    const onConnectError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(null);
      else reject(new Error(`cannot connect to the engine at ${path}: ${e.code ?? e.message}`));
    };
    socket.once('error', onConnectError);
    socket.on('data', (chunk: string) => {
      try {
        for (const d of decoder.push(chunk)) if (d.kind === 'message') api.receive(d.value);
      } catch {
        socket.destroy();
      }
    });
    socket.on('close', () => {
      api.close('the engine closed the connection');
      closedResolve();
    });
  });
}
