// MessageChannelMain / MessagePortMain over Node's worker_threads MessageChannel (the same
// structured clone). Like MessagePortMain, messages are queued until start(), and arrive
// as { data, ports } events.
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { MissingApiSink } from './strict.js';
import { strict } from './strict.js';

export class PortMainStandIn extends EventEmitter {
  started = false;
  closed = false;

  constructor(
    readonly nodePort: MessagePort,
    private readonly missing: MissingApiSink,
  ) {
    super();
    nodePort.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  postMessage(data: unknown, transfer?: unknown[]): void {
    if (transfer !== undefined && transfer.length > 0) {
      this.missing('MessagePortMain.postMessage(message, transfer)');
      throw new Error('stand-in lacks electron.MessagePortMain.postMessage(message, transfer)');
    }
    if (!this.closed) this.nodePort.postMessage(data);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.nodePort.on('message', (data: unknown) => this.emit('message', { data, ports: [] }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.nodePort.close();
  }
}

export function createMessageChannelMain(missing: MissingApiSink) {
  return class MessageChannelMain {
    readonly port1: PortMainStandIn;
    readonly port2: PortMainStandIn;
    constructor() {
      const { port1, port2 } = new MessageChannel();
      this.port1 = strict('MessagePortMain', new PortMainStandIn(port1, missing), missing);
      this.port2 = strict('MessagePortMain', new PortMainStandIn(port2, missing), missing);
    }
  };
}
