// A real @grpc/grpc-js Echo server and client (test/fixtures/grpc/echo.proto) for the proxy tests.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const ECHO_PROTO = fileURLToPath(new URL('../fixtures/grpc/echo.proto', import.meta.url));

export interface EchoRequest {
  text?: string;
  count?: number;
  failCode?: number;
  delayMs?: number;
  hang?: boolean;
}

export interface EchoReply {
  text: string;
  index: number;
  authority: string;
  te: string;
  forwardedProto: string;
}

type EchoClientCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client & Record<string, (...args: unknown[]) => unknown>;

function loadEcho(): { service: grpc.ServiceDefinition; Client: EchoClientCtor } {
  const definition = protoLoader.loadSync(ECHO_PROTO, { keepCase: false, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { locald: { test: { Echo: EchoClientCtor & { service: grpc.ServiceDefinition } } } };
  return { service: pkg.locald.test.Echo.service, Client: pkg.locald.test.Echo };
}

export interface EchoServer {
  port: number;
  /** Calls the server saw cancelled, by method name. */
  cancelled: string[];
  close(): Promise<void>;
}

function seen(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): Pick<EchoReply, 'authority' | 'te' | 'forwardedProto'> {
  const md = call.metadata;
  return {
    authority: call.getHost(),
    // grpc-js drops te from metadata; the h2c tests check it on a plain http2 server.
    te: '',
    forwardedProto: String(md.get('x-forwarded-proto')[0] ?? ''),
  };
}

/** Starts the Echo service on `host` (h2c, insecure) and an ephemeral port. */
export async function startEchoServer(host = '127.0.0.1'): Promise<EchoServer> {
  const { service } = loadEcho();
  const server = new grpc.Server();
  const cancelled: string[] = [];
  const trailer = (extra: Record<string, string> = {}): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('x-trailer', 'from-service');
    for (const [k, v] of Object.entries(extra)) md.set(k, v);
    return md;
  };
  server.addService(service, {
    Unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) {
      const req = call.request;
      call.on('cancelled', () => cancelled.push('Unary'));
      const header = new grpc.Metadata();
      header.set('x-header', 'from-service');
      call.sendMetadata(header);
      const answer = (): void => {
        if (req.failCode !== undefined && req.failCode !== 0) {
          callback({ code: req.failCode, details: `failed as asked: ${req.text ?? ''}`, metadata: trailer({ 'x-fail': 'yes' }) });
          return;
        }
        callback(null, { text: `echo:${req.text ?? ''}`, index: 0, ...seen(call) }, trailer());
      };
      if (req.delayMs !== undefined && req.delayMs > 0) setTimeout(answer, req.delayMs);
      else answer();
    },
    ServerStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>) {
      const req = call.request;
      let stopped = false;
      call.on('cancelled', () => {
        stopped = true;
        cancelled.push('ServerStream');
      });
      const count = req.count ?? 0;
      let i = 0;
      const next = (): void => {
        if (stopped) return;
        if (i < count) {
          call.write({ text: `${req.text ?? ''}#${i}`, index: i, ...seen(call) });
          i++;
          setTimeout(next, req.delayMs ?? 0);
          return;
        }
        if (req.hang === true) return;
        call.end(trailer());
      };
      next();
    },
    ClientStream(call: grpc.ServerReadableStream<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) {
      const texts: string[] = [];
      call.on('data', (m: EchoRequest) => texts.push(m.text ?? ''));
      call.on('cancelled', () => cancelled.push('ClientStream'));
      // Only a half-close (END_STREAM) lets this answer.
      call.on('end', () => callback(null, { text: texts.join('+'), index: texts.length, ...seen(call) }, trailer()));
    },
    Bidi(call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) {
      let n = 0;
      call.on('cancelled', () => cancelled.push('Bidi'));
      call.on('data', (m: EchoRequest) => call.write({ text: `bidi:${m.text ?? ''}`, index: n++, ...seen(call) }));
      call.on('end', () => call.end(trailer()));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err !== null ? reject(err) : resolve(p)));
  });
  return {
    port,
    cancelled,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000).unref();
      }),
  };
}

export type EchoClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** A client that dials 127.0.0.1:port in plaintext (h2c prior knowledge) and sends :authority `authority`. */
export function echoClient(port: number, authority: string): EchoClient {
  const { Client } = loadEcho();
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
}

/** Promise form of a unary call; resolves with reply, metadata and status, rejects with the ServiceError. */
export function unary(client: EchoClient, req: EchoRequest, options: grpc.CallOptions = {}): Promise<{ reply: EchoReply; metadata: grpc.Metadata; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    let metadata = new grpc.Metadata();
    let reply: EchoReply | undefined;
    let status: grpc.StatusObject | undefined;
    let error: grpc.ServiceError | undefined;
    const settle = (): void => {
      if (status === undefined) return;
      if (error !== undefined) reject(Object.assign(error, { trailers: status.metadata }));
      else if (reply !== undefined) resolve({ reply, metadata, status });
    };
    const call = (client.Unary as (r: EchoRequest, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: EchoReply) => void) => grpc.ClientUnaryCall)(
      req,
      new grpc.Metadata(),
      options,
      (err, r) => {
        if (err !== null) error = err;
        else reply = r;
        settle();
      },
    );
    call.on('metadata', (md: grpc.Metadata) => {
      metadata = md;
    });
    call.on('status', (s: grpc.StatusObject) => {
      status = s;
      // The callback may come before or after 'status'.
      setImmediate(settle);
    });
  });
}

export { grpc };
