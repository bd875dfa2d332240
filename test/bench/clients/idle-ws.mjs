// Opens COUNT WebSockets through the proxy (BATCH handshakes at a time), prints {"held":N,...} and
// waits. On a line "verify" from stdin it sends one message on each, counts the echoes, prints
// {"echoed":N} and exits. Bounded: every wait has a deadline.
//   URL=ws://127.0.0.1:PORT/ HOST=... COUNT=10000 BATCH=250 node idle-ws.mjs
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createInterface } from 'node:readline';

const url = process.env.URL;
const host = process.env.HOST;
const count = Number(process.env.COUNT ?? 10000);
const batch = Number(process.env.BATCH ?? 250);
const deadline = (ms) => new Promise((r) => setTimeout(() => r('timeout'), ms));

let errors = 0;
let firstError = '';
const sockets = [];
const started = performance.now();
function openOne() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: host ? { host } : {}, perMessageDeflate: false, handshakeTimeout: 15_000 });
    ws.on('open', () => resolve(ws));
    ws.on('error', (err) => {
      errors++;
      firstError ||= err.message;
      resolve(null);
    });
  });
}
for (let i = 0; i < count; i += batch) {
  const opened = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, openOne));
  for (const ws of opened) if (ws !== null) sockets.push(ws);
  if (errors > 100) break;
}
let closedEarly = 0;
for (const ws of sockets) ws.on('close', () => closedEarly++);
console.log(JSON.stringify({ held: sockets.length, errors, firstError, openSeconds: (performance.now() - started) / 1000 }));

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'verify') continue;
  let echoed = 0;
  const all = Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState !== WebSocket.OPEN) return resolve();
          ws.once('message', () => {
            echoed++;
            resolve();
          });
          ws.send('ping');
        }),
    ),
  );
  await Promise.race([all, deadline(30_000)]);
  console.log(JSON.stringify({ echoed, closedEarly }));
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}
process.exit(0);
