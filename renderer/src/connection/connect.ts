// One EngineApi for the UI, whatever carries it: the desktop app's MessagePort when
// `window.locald` exists, otherwise the dashboard's WebSocket at /api/ws (the per-run
// token already sits in an HttpOnly cookie, so the page just opens the socket).
import type { EngineApi } from '../../../shared/api.js';
import { DESKTOP_BRIDGE_KEY, ENGINE_PORT_MESSAGE, type DesktopBridge } from '../../../shared/desktop.js';
import { WireClient } from '../../../shared/wire-client.js';
import { engineSocketUrl, reconnectDelay } from './backoff.js';
import { closeCause, closeReason, type CloseCause } from './close-cause.js';

export type ConnectionState =
  | { status: 'connecting'; attempt: number }
  | { status: 'open'; transport: 'websocket' | 'messageport' }
  | { status: 'closed'; retryAt: number; attempt: number; cause: CloseCause; reason: string };

export interface EngineConnection {
  api: EngineApi;
  /** Called with every state change; also once at once with the current state. */
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Skip the backoff wait and try again now. */
  retryNow(): void;
  /** Disconnect for good. */
  close(): void;
  desktop: DesktopBridge | null;
}

export function desktopBridge(): DesktopBridge | null {
  const bridge = (window as unknown as Record<string, unknown>)[DESKTOP_BRIDGE_KEY];
  return typeof bridge === 'object' && bridge !== null ? (bridge as DesktopBridge) : null;
}

export function connect(): EngineConnection {
  const bridge = desktopBridge();
  return bridge !== null ? connectPort(bridge) : connectSocket(engineSocketUrl(location.origin));
}

class StateHub {
  private state: ConnectionState = { status: 'connecting', attempt: 0 };
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  set(state: ConnectionState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }
  on(listener: (s: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }
}

function connectSocket(url: string): EngineConnection {
  const hub = new StateHub();
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const client = new WireClient((message) => {
    if (socket === null || socket.readyState !== WebSocket.OPEN) throw new Error('not connected to the locald engine');
    socket.send(JSON.stringify(message));
  });

  const open = (): void => {
    timer = null;
    if (closed) return;
    hub.set({ status: 'connecting', attempt });
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      hub.set({ status: 'open', transport: 'websocket' });
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      client.receive(parsed);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (closed) return;
      client.close('the connection to the locald engine closed');
      const delay = reconnectDelay(attempt++);
      const show = (cause: CloseCause): void => hub.set({ status: 'closed', retryAt: Date.now() + delay, attempt, cause, reason: closeReason(cause, event.code, event.reason) });
      show(closeCause(event.code, null));
      timer = setTimeout(open, delay);
      // Only an abnormal close can be a refused token; one request tells it from an engine that is away.
      if (event.code === 1006) {
        void infoStatus().then((status) => {
          const cause = closeCause(event.code, status);
          if (socket === null && !closed && cause !== 'engine-away') show(cause);
        });
      }
    };
  };
  open();
  return {
    api: client,
    onState: (l) => hub.on(l),
    retryNow: () => {
      if (timer === null) return;
      clearTimeout(timer);
      open();
    },
    close: () => {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      const ws = socket;
      socket = null;
      ws?.close();
      client.close('disconnected');
    },
    desktop: null,
  };
}

/** The status of GET /api/info (same origin, with the cookie), or null when the engine does not answer. */
async function infoStatus(): Promise<number | null> {
  try {
    const res = await fetch('/api/info', { cache: 'no-store', credentials: 'same-origin', signal: AbortSignal.timeout(3_000) });
    return res.status;
  } catch {
    return null;
  }
}

function connectPort(bridge: DesktopBridge): EngineConnection {
  const hub = new StateHub();
  let port: MessagePort | null = null;
  const client = new WireClient((message) => {
    if (port === null) throw new Error('not connected to the locald engine');
    port.postMessage(message);
  });
  const onMessage = (event: MessageEvent) => {
    if (event.source !== window || event.origin !== location.origin) return;
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== ENGINE_PORT_MESSAGE) return;
    const next = event.ports[0];
    if (next === undefined) return;
    // A new port means the engine (re)started: the old one will never answer.
    if (port !== null) {
      client.close('the engine restarted');
      port.close();
    }
    port = next;
    next.onmessage = (e: MessageEvent) => client.receive(e.data);
    next.start();
    hub.set({ status: 'open', transport: 'messageport' });
  };
  window.addEventListener('message', onMessage);
  bridge.requestEnginePort();
  return {
    api: client,
    onState: (l) => hub.on(l),
    retryNow: () => bridge.requestEnginePort(),
    close: () => {
      window.removeEventListener('message', onMessage);
      port?.close();
      port = null;
      client.close('disconnected');
    },
    desktop: bridge,
  };
}
