// Preloaded (node --import) into the engine child that the stand-in's utilityProcess.fork
// starts: gives it `process.parentPort` as Electron does in a utility process, carried over
// Node's IPC channel. Envelopes on the channel (see ./utility-process.ts):
//   { standIn: 'message', data, ports: [ids] }  a parentPort message, with transferred ports
//   { standIn: 'port', id, data }               a message on a transferred port
//   { standIn: 'port-close', id }               the other end of a transferred port closed
// Differences from Electron's parentPort / MessagePortMain are listed in ./utility-process.ts.
import { EventEmitter } from 'node:events';

function send(envelope) {
  if (process.connected) process.send(envelope);
}

/** A transferred MessagePortMain as the child sees it: same events and methods. */
class RelayedPort extends EventEmitter {
  constructor(id) {
    super();
    this.id = id;
    this.open = true;
  }
  postMessage(data) {
    if (this.open) send({ standIn: 'port', id: this.id, data });
  }
  start() {}
  close() {
    if (!this.open) return;
    this.open = false;
    send({ standIn: 'port-close', id: this.id });
    this.emit('close');
  }
}

const ports = new Map();
const queued = [];
const parentPort = new EventEmitter();
parentPort.postMessage = (data) => send({ standIn: 'message', data, ports: [] });
parentPort.start = () => {};
// Like a MessagePort, the channel keeps the process alive only while someone listens on it
// (Node's IPC channel alone would keep it running forever, e.g. after the entry gave up).
process.channel?.unref();
// Like MessagePortMain, messages wait until someone listens, so none is lost before the entry subscribes.
parentPort.on('newListener', (event) => {
  if (event !== 'message') return;
  process.channel?.ref();
  setImmediate(() => {
    for (const message of queued.splice(0)) parentPort.emit('message', message);
  });
});

process.on('message', (envelope) => {
  if (envelope.standIn === 'message') {
    const event = { data: envelope.data, ports: envelope.ports.map((id) => ports.get(id) ?? ports.set(id, new RelayedPort(id)).get(id)) };
    if (parentPort.listenerCount('message') === 0) queued.push(event);
    else parentPort.emit('message', event);
  } else if (envelope.standIn === 'port') {
    ports.get(envelope.id)?.emit('message', { data: envelope.data, ports: [] });
  } else if (envelope.standIn === 'port-close') {
    const port = ports.get(envelope.id);
    ports.delete(envelope.id);
    if (port !== undefined && port.open) {
      port.open = false;
      port.emit('close');
    }
  }
});

process.parentPort = parentPort;
