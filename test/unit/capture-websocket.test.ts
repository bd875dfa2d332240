import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { TrafficStore } from '../../engine/capture/store.js';
import { MessageInflater, parseDeflateExtension } from '../../engine/capture/websocket-deflate.js';
import { WsFrameParser, type ParsedWsMessage } from '../../engine/capture/websocket-frames.js';
import type { MessageDirection } from '../../shared/traffic.js';

interface FrameSpec {
  fin?: boolean;
  opcode: number;
  payload: Buffer;
  mask?: Buffer | null;
  rsv1?: boolean;
  rsv2?: boolean;
}

/** Serialises one frame exactly as RFC 6455 lays it out. */
function frame(spec: FrameSpec): Buffer {
  const { payload } = spec;
  const mask = spec.mask ?? null;
  const b0 = ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv1 === true ? 0x40 : 0) | (spec.rsv2 === true ? 0x20 : 0) | spec.opcode;
  let head: Buffer;
  if (payload.length < 126) {
    head = Buffer.from([b0, payload.length]);
  } else if (payload.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = 126;
    head.writeUInt16BE(payload.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = 127;
    head.writeUInt32BE(Math.floor(payload.length / 2 ** 32), 2);
    head.writeUInt32BE(payload.length % 2 ** 32, 6);
  }
  if (mask === null) return Buffer.concat([head, payload]);
  head[1] = (head[1] as number) | 0x80;
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, masked]);
}

function parse(chunks: Buffer[], maxPayload = 1 << 20): { messages: ParsedWsMessage[]; error: string | null } {
  const messages: ParsedWsMessage[] = [];
  const parser = new WsFrameParser((m) => messages.push(m), { maxPayload, inflater: null, maxCompressed: 1 << 20 });
  for (const c of chunks) parser.push(c);
  return { messages, error: parser.error };
}

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** Masked client traffic: a text message, a binary message in three fragments with a ping and a pong between them, an empty text message, a close. */
function clientStream(): { bytes: Buffer; expected: { opcode: number; payload: Buffer }[] } {
  const close = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
  const bytes = Buffer.concat([
    frame({ opcode: 1, payload: Buffer.from('Hello'), mask: MASK }),
    frame({ opcode: 2, fin: false, payload: Buffer.from([1, 2, 3]), mask: MASK }),
    frame({ opcode: 9, payload: Buffer.from('ping!'), mask: MASK }),
    frame({ opcode: 0, fin: false, payload: Buffer.from([4, 5]), mask: Buffer.from([1, 2, 3, 4]) }),
    frame({ opcode: 10, payload: Buffer.alloc(0), mask: MASK }),
    frame({ opcode: 0, fin: true, payload: Buffer.from([6, 7, 8, 9, 10]), mask: MASK }),
    frame({ opcode: 1, payload: Buffer.alloc(0), mask: MASK }),
    frame({ opcode: 8, payload: close, mask: MASK }),
  ]);
  const expected = [
    { opcode: 1, payload: Buffer.from('Hello') },
    { opcode: 9, payload: Buffer.from('ping!') },
    { opcode: 10, payload: Buffer.alloc(0) },
    { opcode: 2, payload: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) },
    { opcode: 1, payload: Buffer.alloc(0) },
    { opcode: 8, payload: close },
  ];
  return { bytes, expected };
}

function simplify(messages: ParsedWsMessage[]): { opcode: number; payload: Buffer }[] {
  return messages.map((m) => ({ opcode: m.opcode, payload: m.payload }));
}

test('WebSocket frames: masked, fragmented with control frames in between, split at every byte boundary', () => {
  const { bytes, expected } = clientStream();
  for (let i = 0; i <= bytes.length; i++) {
    const result = parse([bytes.subarray(0, i), bytes.subarray(i)]);
    assert.equal(result.error, null, `split at ${i}`);
    assert.deepEqual(simplify(result.messages), expected, `split at ${i}`);
  }
  for (let i = 1; i < bytes.length; i++) {
    for (let j = i + 1; j < bytes.length; j += 3) {
      const result = parse([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
      assert.deepEqual(simplify(result.messages), expected, `split at ${i} and ${j}`);
    }
  }
  const byteByByte = parse([...bytes].map((b) => Buffer.from([b])));
  assert.deepEqual(simplify(byteByByte.messages), expected);
  const sizes = byteByByte.messages.map((m) => m.size);
  assert.deepEqual(sizes, [5, 5, 0, 10, 0, 5]);
});

test('WebSocket frames: a 70 KB masked frame (64-bit length) and a 300-byte frame (16-bit length), in any chunking', () => {
  const big = Buffer.alloc(70 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  const medium = Buffer.alloc(300, 'm');
  const bytes = Buffer.concat([frame({ opcode: 2, payload: big, mask: MASK }), frame({ opcode: 1, payload: medium, mask: MASK })]);
  const chunkings: Buffer[][] = [[bytes], [...bytes].map((b) => Buffer.from([b]))];
  for (const cut of [1, 2, 3, 9, 10, 13, 14, 15, 4000, big.length + 13, big.length + 14, big.length + 15, big.length + 17]) {
    chunkings.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  }
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let k = 0; k < 20; k++) {
    const chunks: Buffer[] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const n = 1 + Math.floor(random() * 9000);
      chunks.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    chunkings.push(chunks);
  }
  for (const chunks of chunkings) {
    const { messages, error } = parse(chunks);
    assert.equal(error, null);
    assert.equal(messages.length, 2);
    assert.equal(messages[0]?.size, big.length);
    assert.ok(messages[0]?.payload.equals(big));
    assert.ok(messages[1]?.payload.equals(medium));
  }
});

test('WebSocket frames: payloads beyond the cap are counted, cut and flagged', () => {
  const payload = Buffer.alloc(70 * 1024, 'z');
  const { messages } = parse([frame({ opcode: 1, payload: payload.subarray(0, 40_000), fin: false }), frame({ opcode: 0, payload: payload.subarray(40_000) })], 1000);
  assert.equal(messages.length, 1);
  assert.equal(messages[0]?.size, payload.length);
  assert.equal(messages[0]?.payload.length, 1000);
  assert.equal(messages[0]?.truncated, true);
});

test('WebSocket frames: protocol violations stop parsing with a reason, without throwing', () => {
  const cases: [string, Buffer][] = [
    ['RSV2', frame({ opcode: 1, payload: Buffer.from('x'), rsv2: true })],
    ['reserved data opcode', frame({ opcode: 3, payload: Buffer.from('x') })],
    ['reserved control opcode', frame({ opcode: 11, payload: Buffer.from('x') })],
    ['continuation', frame({ opcode: 0, payload: Buffer.from('x') })],
    ['fragmented control', frame({ opcode: 9, payload: Buffer.from('x'), fin: false })],
    ['control frame longer', frame({ opcode: 9, payload: Buffer.alloc(126) })],
    ['permessage-deflate was not negotiated', frame({ opcode: 1, payload: Buffer.from('x'), rsv1: true })],
    ['before the previous one finished', Buffer.concat([frame({ opcode: 1, payload: Buffer.from('a'), fin: false }), frame({ opcode: 1, payload: Buffer.from('b') })])],
    ['2^53', Buffer.from([0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])],
  ];
  for (const [reason, bytes] of cases) {
    const { messages, error } = parse([bytes, frame({ opcode: 1, payload: Buffer.from('after') })]);
    assert.ok(error?.includes(reason), `${reason}: got ${error}`);
    assert.deepEqual(messages, [], reason);
  }
});

test('permessage-deflate: extension parameters are read from the accepted header', () => {
  assert.equal(parseDeflateExtension([['Sec-WebSocket-Extensions', 'x-other']]), null);
  assert.deepEqual(parseDeflateExtension([['sec-websocket-extensions', 'permessage-deflate; client_max_window_bits=10; server_no_context_takeover']]), {
    serverNoContextTakeover: true,
    clientNoContextTakeover: false,
  });
});

test('permessage-deflate: a garbage message loses a context-takeover direction for good, with a reason', () => {
  const inflater = new MessageInflater(true, 1 << 20);
  const bad = inflater.inflate(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), true);
  assert.equal(bad.ok, false);
  const after = inflater.inflate(Buffer.from([0x03, 0x00]), true);
  assert.equal(after.ok, false);
  const fresh = new MessageInflater(false, 1 << 20);
  assert.equal(fresh.inflate(Buffer.from([0xff, 0xff]), true).ok, false);
  // Without context takeover each message stands alone, so the next one still decodes ('' compressed is 02 00).
  assert.deepEqual(fresh.inflate(Buffer.from([0x02, 0x00]), true), { ok: true, data: Buffer.alloc(0) });
});

// --- a real ws client and server, with a byte tap in between that feeds a recorder ---

interface Tap {
  port: number;
  close(): Promise<void>;
}

function splitHead(buffer: Buffer): { head: string; rest: Buffer } | null {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return null;
  return { head: buffer.subarray(0, end).toString('latin1'), rest: buffer.subarray(end + 4) };
}

function rawHeaders(head: string): string[] {
  const out: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    out.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

/** A TCP relay that hands the recorder what the proxy would: the request, the 101, then raw frame bytes per direction. */
async function startTap(store: TrafficStore, upstreamPort: number): Promise<Tap> {
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    let recorder: ReturnType<TrafficStore['begin']> | null = null;
    let clientHead: Buffer | null = Buffer.alloc(0);
    let serverHead: Buffer | null = Buffer.alloc(0);
    const feed = (direction: MessageDirection, data: Buffer): void => {
      if (direction === 'client' && clientHead !== null) {
        clientHead = Buffer.concat([clientHead, data]);
        const split = splitHead(clientHead);
        if (split === null) return;
        clientHead = null;
        const [method = 'GET', url = '/'] = split.head.split('\r\n')[0]?.split(' ') ?? [];
        const headers = rawHeaders(split.head);
        recorder = store.begin({ clientProtocol: 'http/1.1', method, host: 'chat.localhost', url, requestHeaders: headers, clientAddress: '127.0.0.1' });
        if (split.rest.length > 0) recorder.websocketFrameBytes('client', split.rest);
        return;
      }
      if (direction === 'server' && serverHead !== null) {
        serverHead = Buffer.concat([serverHead, data]);
        const split = splitHead(serverHead);
        if (split === null) return;
        serverHead = null;
        const status = Number(split.head.split(' ')[1]);
        recorder?.response(status, rawHeaders(split.head));
        if (split.rest.length > 0) recorder?.websocketFrameBytes('server', split.rest);
        return;
      }
      recorder?.websocketFrameBytes(direction, data);
    };
    client.on('data', (d: Buffer) => {
      feed('client', d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      feed('server', d);
      client.write(d);
    });
    const done = (): void => {
      recorder?.end();
      client.destroy();
      upstream.destroy();
    };
    client.on('close', done);
    upstream.on('close', done);
    client.on('error', done);
    upstream.on('error', done);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Sent {
  direction: MessageDirection;
  opcode: number;
  data: Buffer;
}

async function realSession(serverDeflate: Record<string, unknown>): Promise<{ store: TrafficStore; sent: Sent[]; extensions: string }> {
  const store = new TrafficStore();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: serverDeflate });
  await once(wss, 'listening');
  const tap = await startTap(store, (wss.address() as net.AddressInfo).port);
  const sent: Sent[] = [];
  let serverReceived = 0;
  let clientReceived = 0;
  const repeated = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
  const binary = Buffer.alloc(5000);
  for (let i = 0; i < binary.length; i++) binary[i] = i % 7 === 0 ? 0 : (i * 13) & 0xff;
  wss.on('connection', (socket) => {
    socket.on('message', () => {
      serverReceived++;
      if (serverReceived === 4) {
        const replies: [Buffer | string, boolean][] = [
          [repeated, false],
          [repeated, false],
          [`${repeated}!`, false],
          ['tiny', false],
          [binary, true],
        ];
        for (const [data, isBinary] of replies) {
          socket.send(data, { binary: isBinary });
          sent.push({ direction: 'server', opcode: isBinary ? 2 : 1, data: Buffer.from(data) });
        }
        socket.ping(Buffer.from('are you there'));
        sent.push({ direction: 'server', opcode: 9, data: Buffer.from('are you there') });
        // A fragmented compressed message: three frames, one RSV1 bit on the first.
        socket.send('part one, ', { fin: false });
        socket.send('part two, ', { fin: false });
        socket.send(repeated, { fin: true });
        sent.push({ direction: 'server', opcode: 1, data: Buffer.from(`part one, part two, ${repeated}`) });
      }
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${tap.port}/chat`, { perMessageDeflate: true });
  client.on('message', () => clientReceived++);
  let pongs = 0;
  client.on('pong', () => pongs++);
  await once(client, 'open');
  const clientMessages: [string | Buffer, boolean][] = [
    [repeated, false],
    [repeated, false],
    ['héllo wörld', false],
    [binary, true],
  ];
  for (const [data, isBinary] of clientMessages) {
    client.send(data, { binary: isBinary });
    sent.push({ direction: 'client', opcode: isBinary ? 2 : 1, data: Buffer.from(data) });
  }
  await waitFor('the server replies', () => clientReceived === 6);
  client.ping('p');
  sent.push({ direction: 'client', opcode: 9, data: Buffer.from('p') });
  await waitFor('pong', () => pongs === 1);
  client.close(1000, 'done');
  await once(client, 'close');
  await waitFor('the exchange to end', () => store.list()[0]?.state === 'complete');
  await tap.close();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  // What the server accepted, as the capture saw it in the 101.
  const accepted = store.get(store.list()[0]?.id ?? -1)?.responseHeaders.find(([n]) => n.toLowerCase() === 'sec-websocket-extensions');
  return { store, sent, extensions: accepted?.[1] ?? '' };
}

function checkCaptured(store: TrafficStore, sent: Sent[]): void {
  const [summary] = store.list();
  assert.ok(summary);
  assert.equal(summary.kind, 'websocket');
  assert.equal(summary.status, 101);
  const detail = store.get(summary.id);
  assert.ok(detail);
  const captured = detail.websocketMessages;
  for (const m of captured) assert.equal((m as { compressed?: boolean }).compressed, undefined, `message not inflated: ${JSON.stringify(m)}`);
  const dataAndPings = captured.filter((m) => m.opcode !== 10 && m.opcode !== 8);
  for (const direction of ['client', 'server'] as const) {
    const got = dataAndPings.filter((m) => m.direction === direction).map((m) => ({ opcode: m.opcode, data: Buffer.from(m.payload, 'base64').toString('base64') }));
    const want = sent.filter((s) => s.direction === direction).map((s) => ({ opcode: s.opcode, data: s.data.toString('base64') }));
    assert.deepEqual(got, want, `${direction} messages`);
  }
  // The pong answers the ping with the same payload; the closing handshake goes both ways.
  const pong = captured.find((m) => m.opcode === 10 && m.direction === 'server');
  assert.equal(Buffer.from(pong?.payload ?? '', 'base64').toString(), 'p');
  const close = captured.find((m) => m.opcode === 8 && m.direction === 'client');
  const closePayload = Buffer.from(close?.payload ?? '', 'base64');
  assert.equal(closePayload.readUInt16BE(0), 1000);
  assert.equal(closePayload.subarray(2).toString(), 'done');
  assert.ok(captured.some((m) => m.opcode === 8 && m.direction === 'server'));
  // Compression happened on the wire: fewer bytes crossed than the payloads hold.
  const payloadBytes = sent.filter((s) => s.direction === 'client').reduce((n, s) => n + s.data.length, 0);
  assert.ok(summary.requestSize < payloadBytes, `client sent ${summary.requestSize} wire bytes for ${payloadBytes} payload bytes`);
  assert.equal(summary.messageCount, captured.length);
}

test('permessage-deflate with context takeover, from a real ws client and server', async () => {
  const { store, sent, extensions } = await realSession({ threshold: 0 });
  assert.match(extensions, /permessage-deflate/);
  assert.doesNotMatch(extensions, /no_context_takeover/);
  checkCaptured(store, sent);
  store.close();
});

test('permessage-deflate without context takeover and with small windows, from a real ws client and server', async () => {
  const { store, sent, extensions } = await realSession({
    threshold: 0,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 9,
  });
  assert.match(extensions, /server_no_context_takeover/);
  checkCaptured(store, sent);
  store.close();
});

test('permessage-deflate: a message larger than the inflate limit is kept compressed and marked', async () => {
  const store = new TrafficStore(undefined, { maxInflateInputBytes: 64 });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  await once(wss, 'listening');
  const tap = await startTap(store, (wss.address() as net.AddressInfo).port);
  let received = 0;
  wss.on('connection', (s) => s.on('message', () => received++));
  const client = new WebSocket(`ws://127.0.0.1:${tap.port}/`, { perMessageDeflate: true });
  await once(client, 'open');
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  client.send(random);
  client.send('small one');
  await waitFor('both messages', () => received === 2);
  client.close();
  await once(client, 'close');
  await waitFor('the exchange to end', () => store.list()[0]?.state === 'complete');
  const detail = store.get(store.list()[0]?.id ?? -1);
  const fromClient = detail?.websocketMessages.filter((m) => m.direction === 'client' && m.opcode !== 8) ?? [];
  assert.equal(fromClient.length, 2);
  for (const m of fromClient) {
    const marked = m as { compressed?: boolean; note?: string };
    assert.equal(marked.compressed, true);
    assert.equal(typeof marked.note, 'string');
  }
  await tap.close();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  store.close();
});

test('how a stream ends: a close frame or a client leaving an event stream is a normal end; a WebSocket without a close frame dropped', () => {
  const store = new TrafficStore();
  const begin = (url: string): ReturnType<TrafficStore['begin']> =>
    store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost', url, requestHeaders: ['Upgrade', 'websocket', 'Connection', 'Upgrade'] });

  const closed = begin('/closed');
  closed.response(101, ['Upgrade', 'websocket']);
  closed.websocketFrameBytes('server', frame({ opcode: 1, payload: Buffer.from('hi') }));
  const bye = Buffer.from([0x03, 0xe9]); // 1001 going away
  closed.websocketFrameBytes('client', frame({ opcode: 8, payload: bye, mask: MASK }));
  closed.end();
  assert.equal(store.get(closed.id)?.state, 'complete');
  assert.equal(store.get(closed.id)?.error, null);

  const dropped = begin('/dropped');
  dropped.response(101, ['Upgrade', 'websocket']);
  dropped.websocketFrameBytes('server', frame({ opcode: 1, payload: Buffer.from('hi') }));
  dropped.end();
  assert.equal(store.get(dropped.id)?.state, 'error');
  assert.equal(store.get(dropped.id)?.error?.code, 'websocket-dropped');

  // A refused upgrade is an ordinary response: nothing to drop.
  const refused = begin('/refused');
  refused.response(403, ['Content-Type', 'text/plain']);
  refused.end();
  assert.equal(store.get(refused.id)?.error, null);

  const sse = begin('/events');
  sse.response(200, ['Content-Type', 'text/event-stream']);
  sse.responseChunk(Buffer.from('data: a\n\n'));
  sse.abort('the client closed the connection before the response completed');
  assert.equal(store.get(sse.id)?.state, 'complete');
  assert.equal(store.get(sse.id)?.error, null);
  assert.deepEqual(store.get(sse.id)?.sseEvents.map((e) => e.data), ['a']);

  // Gone before the stream began: still an abort.
  const early = begin('/events-early');
  early.abort('gone');
  assert.equal(store.get(early.id)?.state, 'aborted');
  assert.equal(store.get(early.id)?.error?.code, 'client_aborted');
  store.close();
});
