// WebSocket echo load: CONNECTIONS sockets, each keeping WINDOW messages in flight, for SECONDS.
// Prints one JSON line: { messagesPerSec, connections, errors }.
//   URL=ws://127.0.0.1:PORT/ HOST=bench.localhost:PORT CONNECTIONS=50 WINDOW=8 SECONDS=5 node ws-echo.mjs
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const url = process.env.URL;
const host = process.env.HOST;
const connections = Number(process.env.CONNECTIONS ?? 50);
const windowSize = Number(process.env.WINDOW ?? 8);
const seconds = Number(process.env.SECONDS ?? 5);
const payload = Buffer.alloc(64, 'm');

let received = 0;
let errors = 0;
let measuring = false;
const sockets = await Promise.all(
  Array.from({ length: connections }, () =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, { headers: host ? { host } : {}, perMessageDeflate: false });
      ws.on('open', () => resolve(ws));
      ws.on('error', () => {
        errors++;
        resolve(null);
      });
    }),
  ),
);
const open = sockets.filter((s) => s !== null);
for (const ws of open) {
  ws.on('message', () => {
    if (measuring) received++;
    if (running) ws.send(payload);
  });
}
let running = true;
measuring = true;
const started = performance.now();
for (const ws of open) for (let i = 0; i < windowSize; i++) ws.send(payload);
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
running = false;
const elapsed = (performance.now() - started) / 1000;
for (const ws of open) ws.terminate();
console.log(JSON.stringify({ messagesPerSec: received / elapsed, connections: open.length, errors }));
process.exit(0);
