// Port checks done before a service is spawned.
import net from 'node:net';

/** A port the OS considers free right now: bind 127.0.0.1:0, read it, close. */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the picked port'))));
    });
  });
}

/**
 * Whether something already holds `port` on loopback: anything accepting connections on
 * 127.0.0.1 or ::1, or a socket bound so that 127.0.0.1:port cannot be bound.
 */
export async function isPortInUse(port: number): Promise<boolean> {
  const [v4, v6] = await Promise.all([acceptsConnections('127.0.0.1', port, 1_000), acceptsConnections('::1', port, 1_000)]);
  if (v4 || v6) return true;
  return !(await canBind('127.0.0.1', port));
}

export function acceptsConnections(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE' && err.code !== 'EACCES'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
