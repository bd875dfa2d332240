import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { ENGINE_EVENTS, ENGINE_METHODS } from '../../shared/api.js';
import type { EngineMethod, RequestMessage, WireMessage } from '../../shared/api.js';
import { ENGINE_PORT_MESSAGE } from '../../shared/desktop.js';
import type { AppActions } from '../../shared/desktop.js';
import {
  APP_ACTION_CHANNELS,
  APP_ACTION_NAMES,
  connectPortToBridge,
  createAppActionRouter,
  createDesktopBridge,
  ENGINE_PORT,
  INSPECTOR_FILTER,
  REQUEST_ENGINE_PORT,
} from '../../electron/ipc-contract.js';
import type { AppActionHandlers, PreloadIpc } from '../../electron/ipc-contract.js';
import { EngineBridge } from '../../electron/logic/engine-bridge.js';
import type { ClientMessage } from '../../electron/logic/engine-bridge.js';
import { EngineCallError, WireClient } from '../../shared/wire-client.js';
import { isWireMessage } from '../../shared/wire.js';
import { isTrustedSender } from '../../electron/logic/window-security.js';

/** A stand-in engine that answers every request with the method it saw, so routing is observable. */
function echoEngine(bridge: () => EngineBridge) {
  const seen: RequestMessage[] = [];
  return {
    seen,
    send(message: RequestMessage) {
      seen.push(message);
      queueMicrotask(() => bridge().fromEngine({ type: 'response', id: message.id, ok: true, result: { method: message.method, params: message.params } }));
    },
  };
}

/** Main's side of a window: Node's real MessagePort standing in for MessagePortMain. */
function nodePortEnds(port: MessagePort) {
  return {
    post: (message: unknown) => port.postMessage(message),
    onMessage: (listener: (data: unknown) => void) => port.on('message', listener),
    onClose: (listener: () => void) => port.on('close', listener),
    close: () => port.close(),
  };
}

describe('isWireMessage', () => {
  it('accepts the three message kinds', () => {
    const messages: WireMessage[] = [
      { type: 'request', id: 1, method: 'projects.list', params: {} },
      { type: 'response', id: 1, ok: true, result: [] },
      { type: 'response', id: 2, ok: false, error: { code: 'not_found', message: 'no project "x"' } },
      { type: 'event', event: 'project.removed', data: { project: 'x' } },
    ];
    for (const message of messages) assert.equal(isWireMessage(message), true, JSON.stringify(message));
  });

  it('rejects malformed ones', () => {
    for (const value of [
      null,
      'request',
      [],
      { type: 'request', id: -1, method: 'projects.list', params: {} },
      { type: 'request', id: 1.5, method: 'projects.list', params: {} },
      { type: 'request', id: 1, method: 'projects.nuke', params: {} },
      { type: 'request', id: 1, method: 'projects.list' },
      { type: 'request', id: 1, method: 'projects.list', params: [] },
      { type: 'response', id: 1, ok: true },
      { type: 'response', id: 1, ok: false, error: { code: 'teapot', message: 'x' } },
      { type: 'event', event: 'nope', data: 1 },
      { type: 'event', event: 'project.state' },
    ]) {
      assert.equal(isWireMessage(value), false, JSON.stringify(value));
    }
  });
});

describe('EngineBridge', () => {
  it('remaps ids so two clients using the same id get their own answers', async () => {
    // The getter runs only after `bridge` is initialised (responses are queued as microtasks).
    const engine = echoEngine(() => bridge);
    const bridge = new EngineBridge({ sendToEngine: (m) => engine.send(m) });
    bridge.engineAvailable();
    const a: ClientMessage[] = [];
    const b: ClientMessage[] = [];
    bridge.attach('a', (m) => a.push(m));
    bridge.attach('b', (m) => b.push(m));
    bridge.fromClient('a', { type: 'request', id: 7, method: 'projects.list', params: {} });
    bridge.fromClient('b', { type: 'request', id: 7, method: 'engine.info', params: {} });
    await new Promise((resolve) => setImmediate(resolve));
    assert.notEqual(engine.seen[0]?.id, engine.seen[1]?.id);
    assert.deepEqual(a, [{ type: 'response', id: 7, ok: true, result: { method: 'projects.list', params: {} } }]);
    assert.deepEqual(b, [{ type: 'response', id: 7, ok: true, result: { method: 'engine.info', params: {} } }]);
    assert.equal(bridge.pendingCount, 0);
  });

  it('broadcasts events to every client', () => {
    const bridge = new EngineBridge({ sendToEngine: () => undefined });
    const got: string[] = [];
    bridge.attach('a', (m) => got.push(`a:${m.type}`));
    bridge.attach('b', (m) => got.push(`b:${m.type}`));
    bridge.fromEngine({ type: 'event', event: 'project.removed', data: { project: 'x' } });
    assert.deepEqual(got, ['a:event', 'b:event']);
  });

  it('answers invalid requests with located errors and never forwards them', () => {
    const sent: RequestMessage[] = [];
    const problems: string[] = [];
    const bridge = new EngineBridge({ sendToEngine: (m) => sent.push(m), onProblem: (p) => problems.push(p) });
    bridge.engineAvailable();
    const got: ClientMessage[] = [];
    bridge.attach('w', (m) => got.push(m));
    bridge.fromClient('w', { type: 'request', id: 1, method: 'fs.readFile', params: {} });
    bridge.fromClient('w', { type: 'request', id: 2, method: 'projects.add', params: 'x' });
    bridge.fromClient('w', 'garbage');
    assert.equal(sent.length, 0);
    assert.deepEqual(got, [
      {
        type: 'response',
        id: 1,
        ok: false,
        error: { code: 'unknown_method', message: `invalid request: unknown method "fs.readFile"; valid methods: ${ENGINE_METHODS.join(', ')}` },
      },
      { type: 'response', id: 2, ok: false, error: { code: 'invalid_params', message: 'invalid request: expected "params" to be an object' } },
    ]);
    assert.deepEqual(problems, ['engine bridge: invalid message from "w" dropped: expected an object, got string']);
  });

  it('fails requests while the engine is down, and fails in-flight ones when it goes down', () => {
    const sent: RequestMessage[] = [];
    const bridge = new EngineBridge({ sendToEngine: (m) => sent.push(m) });
    const got: ClientMessage[] = [];
    bridge.attach('w', (m) => got.push(m));
    bridge.fromClient('w', { type: 'request', id: 1, method: 'projects.list', params: {} });
    assert.deepEqual(got.shift(), { type: 'response', id: 1, ok: false, error: { code: 'internal', message: 'the engine has not started yet' } });
    bridge.engineAvailable();
    bridge.fromClient('w', { type: 'request', id: 2, method: 'projects.list', params: {} });
    assert.equal(bridge.pendingCount, 1);
    bridge.engineUnavailable('the engine exited with code 1');
    assert.deepEqual(got.shift(), { type: 'response', id: 2, ok: false, error: { code: 'internal', message: 'the engine exited with code 1' } });
    assert.equal(bridge.pendingCount, 0);
    // A late response for the failed request is dropped, not delivered twice.
    bridge.fromEngine({ type: 'response', id: sent[0]?.id ?? 0, ok: true, result: [] });
    assert.equal(got.length, 0);
  });

  it('refuseNewRequests lets requests in flight finish, and whenIdle resolves when they have', async () => {
    const sent: RequestMessage[] = [];
    const bridge = new EngineBridge({ sendToEngine: (m) => sent.push(m) });
    const got: ClientMessage[] = [];
    bridge.attach('w', (m) => got.push(m));
    bridge.engineAvailable();
    await bridge.whenIdle();
    bridge.fromClient('w', { type: 'request', id: 1, method: 'projects.stop', params: { project: 'shop' } });
    let idle = false;
    const drained = bridge.whenIdle().then(() => (idle = true));
    bridge.refuseNewRequests('locald is quitting');
    bridge.fromClient('w', { type: 'request', id: 2, method: 'projects.list', params: {} });
    assert.deepEqual(got.shift(), { type: 'response', id: 2, ok: false, error: { code: 'internal', message: 'locald is quitting' } });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false, 'the stop is still in flight');
    bridge.fromEngine({ type: 'response', id: sent[0]?.id ?? 0, ok: true, result: { name: 'shop' } });
    await drained;
    assert.deepEqual(got, [{ type: 'response', id: 1, ok: true, result: { name: 'shop' } }]);
  });

  it('forgets pending requests of a detached client', () => {
    const bridge = new EngineBridge({ sendToEngine: () => undefined });
    bridge.engineAvailable();
    const detach = bridge.attach('w', () => undefined);
    bridge.fromClient('w', { type: 'request', id: 1, method: 'projects.list', params: {} });
    assert.equal(bridge.pendingCount, 1);
    detach();
    assert.equal(bridge.pendingCount, 0);
    assert.throws(() => {
      bridge.attach('x', () => undefined);
      bridge.attach('x', () => undefined);
    }, /already attached/);
  });
});

describe('preload bridge ↔ main router (every engine method and app action is reachable)', () => {
  /** Wires createDesktopBridge (preload side) to main's handlers the way main.ts does, with real MessagePorts. */
  function harness() {
    // The getter runs only after `bridge` is initialised (responses are queued as microtasks).
    const engine = echoEngine(() => bridge);
    const bridge = new EngineBridge({ sendToEngine: (m) => engine.send(m) });
    bridge.engineAvailable();

    const listeners = new Map<string, Set<(event: { ports: readonly unknown[] }, ...args: unknown[]) => void>>();
    const emit = (channel: string, event: { ports: readonly unknown[] }, ...args: unknown[]) => {
      for (const listener of listeners.get(channel) ?? []) listener(event, ...args);
    };
    const calls: Array<[string, unknown[]]> = [];
    const handlers: AppActionHandlers = {
      addProject: async () => ({ status: 'cancelled' }),
      openExternal: async (url) => url.startsWith('https://'),
      revealConfig: async (project) => project === 'shop',
      trustCertificate: async () => ({ ok: true, message: 'trusted' }),
      getInfo: async () => ({ version: '0.1.0', platform: 'test' }),
    };
    const traced = Object.fromEntries(
      APP_ACTION_NAMES.map((name) => [
        name,
        (...args: unknown[]) => {
          calls.push([name, args]);
          return (handlers[name] as (...a: unknown[]) => Promise<unknown>)(...args);
        },
      ]),
    ) as unknown as AppActionHandlers;
    const route = createAppActionRouter(traced, isTrustedSender);
    const byChannel = new Map(APP_ACTION_NAMES.map((name) => [APP_ACTION_CHANNELS[name] as string, name]));
    let senderUrl = 'app://locald/index.html';
    const connections: Array<() => void> = [];

    const ipc: PreloadIpc = {
      invoke: async (channel, ...args) => {
        const name = byChannel.get(channel);
        if (name === undefined) throw new Error(`no handler for ${channel}`);
        return route(name, senderUrl, args);
      },
      send: (channel) => {
        assert.equal(channel, REQUEST_ENGINE_PORT);
        if (!isTrustedSender(senderUrl)) return;
        const { port1, port2 } = new MessageChannel();
        connections.push(connectPortToBridge(bridge, `window-${connections.length}`, nodePortEnds(port1)));
        emit(ENGINE_PORT, { ports: [port2] });
      },
      on: (channel, listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      },
      removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
    };
    const posted: Array<{ message: unknown; port: MessagePort }> = [];
    const desktop = createDesktopBridge(ipc, { postPort: (message, port) => posted.push({ message, port: port as MessagePort }) });
    return {
      desktop,
      engine,
      calls,
      posted,
      bridge,
      emit,
      setSender: (url: string) => (senderUrl = url),
      close: () => {
        for (const close of connections) close();
      },
    };
  }

  it('hands the page a port on which every ENGINE_METHODS method is answered', async () => {
    const h = harness();
    h.desktop.requestEnginePort();
    assert.equal(h.posted.length, 1);
    assert.deepEqual(h.posted[0]?.message, { type: ENGINE_PORT_MESSAGE });
    const port = h.posted[0]?.port;
    assert.ok(port);
    const client = new WireClient((message) => port.postMessage(message));
    port.on('message', (data) => client.receive(data));
    try {
      for (const method of ENGINE_METHODS) {
        const result = (await client.call(method as EngineMethod, { project: 'shop' } as never)) as unknown as { method: string };
        assert.equal(result.method, method);
      }
      assert.deepEqual(
        h.engine.seen.map((m) => m.method),
        [...ENGINE_METHODS],
      );
      // Events reach the page too.
      const received: string[] = [];
      for (const event of ENGINE_EVENTS) client.subscribe(event, () => received.push(event));
      const done = new Promise<void>((resolve) => client.subscribe('service.log', () => resolve()));
      h.bridge.fromEngine({ type: 'event', event: 'project.removed', data: { project: 'x' } });
      h.bridge.fromEngine({ type: 'event', event: 'service.log', data: [] });
      await done;
      assert.deepEqual(received, ['project.removed', 'service.log']);
    } finally {
      port.close();
      h.close();
    }
  });

  it('an engine error reaches the page as an EngineCallError with its code', async () => {
    const h = harness();
    h.desktop.requestEnginePort();
    const port = h.posted[0]?.port;
    assert.ok(port);
    const client = new WireClient((message) => port.postMessage(message));
    port.on('message', (data) => client.receive(data));
    try {
      h.bridge.engineUnavailable('the engine exited with code 9');
      await assert.rejects(client.call('projects.list', {}), (error: unknown) => {
        assert.ok(error instanceof EngineCallError);
        assert.equal(error.code, 'internal');
        assert.equal(error.message, 'projects.list: the engine exited with code 9');
        return true;
      });
    } finally {
      port.close();
      h.close();
    }
  });

  it('closing the page port detaches the window from the bridge', async () => {
    const h = harness();
    h.desktop.requestEnginePort();
    assert.equal(h.bridge.clientCount, 1);
    h.posted[0]?.port.close();
    const deadline = Date.now() + 10_000;
    const clients = (): number => h.bridge.clientCount;
    while (clients() !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(clients(), 0);
  });

  it('every app action is exposed by the preload and handled in main', async () => {
    const h = harness();
    const app: AppActions = h.desktop.app;
    assert.deepEqual(Object.keys(app).sort(), [...APP_ACTION_NAMES].sort());
    assert.deepEqual(await app.addProject(), { status: 'cancelled' });
    assert.equal(await app.openExternal('https://example.com/'), true);
    assert.equal(await app.revealConfig('shop'), true);
    assert.deepEqual(await app.trustCertificate(), { ok: true, message: 'trusted' });
    assert.deepEqual(await app.getInfo(), { version: '0.1.0', platform: 'test' });
    assert.deepEqual(h.calls.map(([name]) => name).sort(), [...APP_ACTION_NAMES].sort());
  });

  it('main refuses app actions from untrusted frames and with malformed arguments', async () => {
    const h = harness();
    h.setSender('https://evil.example/');
    await assert.rejects(h.desktop.app.getInfo(), /getInfo: refused for untrusted sender https:\/\/evil\.example\//);
    h.setSender('app://locald/');
    await assert.rejects((h.desktop.app.openExternal as (...a: unknown[]) => Promise<boolean>)(42), /openExternal: invalid arguments/);
    await assert.rejects((h.desktop.app.revealConfig as (...a: unknown[]) => Promise<boolean>)('a', 'b'), /revealConfig: invalid arguments/);
    assert.equal(h.calls.length, 0);
  });

  it('an untrusted frame gets no engine port', () => {
    const h = harness();
    h.setSender('https://evil.example/');
    h.desktop.requestEnginePort();
    assert.equal(h.posted.length, 0);
  });

  it('inspector filters from the tray reach the page; malformed ones are ignored; unsubscribe works', () => {
    const h = harness();
    const got: unknown[] = [];
    const off = h.desktop.onInspectorFilter((filter) => got.push(filter));
    h.emit(INSPECTOR_FILTER, { ports: [] }, { project: 'shop', service: 'api' });
    h.emit(INSPECTOR_FILTER, { ports: [] }, { project: 5 });
    off();
    h.emit(INSPECTOR_FILTER, { ports: [] }, { project: 'late' });
    assert.deepEqual(got, [{ project: 'shop', service: 'api' }]);
  });
});
