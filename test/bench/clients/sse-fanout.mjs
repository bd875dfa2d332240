// SSE fan-out: CLIENTS event streams through the proxy; then, for SECONDS (at most MAX_WAVES waves),
// ask the upstream directly to publish one event and wait until every client has it.
// Prints one JSON line: { clients, eventsPerSec, reachAllP50Ms, reachAllP99Ms, waves, errors }.
//   URL=http://127.0.0.1:PORT/sse HOST=... PUBLISH=http://127.0.0.1:UP/sse/publish CLIENTS=1000 SECONDS=5 node sse-fanout.mjs
import { performance } from 'node:perf_hooks';
import http from 'node:http';

const url = new URL(process.env.URL);
const host = process.env.HOST;
const publishUrl = process.env.PUBLISH;
const clients = Number(process.env.CLIENTS ?? 1000);
const seconds = Number(process.env.SECONDS ?? 5);
const maxWaves = Number(process.env.MAX_WAVES ?? 5000);
const waveTimeoutMs = 10_000;

let errors = 0;
let waiting = null; // { remaining, resolve }
let lastArrival = 0n;
let eventAt = 0n; // the upstream's CLOCK_MONOTONIC when it wrote the event
const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 10 });

function openClient() {
  return new Promise((resolve) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers: host ? { host } : {}, agent }, (res) => {
      if (res.statusCode !== 200) {
        errors++;
        res.resume();
        return resolve(null);
      }
      res.setEncoding('utf8');
      let buffered = '';
      let opened = false;
      res.on('data', (text) => {
        buffered += text;
        let end;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (frame.startsWith(': open')) {
            if (!opened) {
              opened = true;
              resolve(res);
            }
            continue;
          }
          if (frame.startsWith('data: ') && waiting !== null) {
            lastArrival = process.hrtime.bigint();
            eventAt = BigInt(frame.slice(6));
            if (--waiting.remaining === 0) waiting.resolve();
          }
        }
      });
      res.on('error', () => errors++);
    });
    req.on('error', () => {
      errors++;
      resolve(null);
    });
  });
}

function publish() {
  return new Promise((resolve, reject) => {
    http
      .get(publishUrl, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(Number(body)));
      })
      .on('error', reject);
  });
}

const streams = [];
for (let i = 0; i < clients; i += 100) {
  streams.push(...(await Promise.all(Array.from({ length: Math.min(100, clients - i) }, openClient))));
}
const open = streams.filter((s) => s !== null).length;
const reach = [];
const started = performance.now();
let waves = 0;
while (waves < maxWaves && performance.now() - started < seconds * 1000) {
  const done = new Promise((resolve) => (waiting = { remaining: open, resolve }));
  await publish();
  const ok = await Promise.race([done.then(() => true), new Promise((r) => setTimeout(() => r(false), waveTimeoutMs))]);
  if (!ok) {
    errors++;
    break;
  }
  reach.push(Number(lastArrival - eventAt) / 1e6);
  waves++;
}
const elapsed = (performance.now() - started) / 1000;
reach.sort((a, b) => a - b);
const pct = (p) => (reach.length === 0 ? null : reach[Math.min(reach.length - 1, Math.floor((p / 100) * reach.length))]);
console.log(JSON.stringify({ clients: open, eventsPerSec: (waves * open) / elapsed, reachAllP50Ms: pct(50), reachAllP99Ms: pct(99), waves, errors }));
process.exit(0);
