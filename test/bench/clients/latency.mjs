// Open-loop load at a fixed RATE (req/s) for SECONDS over up to CONNECTIONS keep-alive sockets.
// Open loop: sends never wait for answers, so a slow server cannot slow the sender down (no
// coordinated omission); latency runs from the moment the request is handed to the agent (a
// request queued for a busy socket counts). A 1 ms timer tick, not a busy loop: the machine is
// shared with the server under test. Prints one JSON line: { p50Ms, p90Ms, p99Ms, maxMs, sent, errors }.
//   URL=http://127.0.0.1:PORT/ HOST=... RATE=1000 SECONDS=5 CONNECTIONS=64 node latency.mjs
import http from 'node:http';

const url = new URL(process.env.URL);
const host = process.env.HOST;
const rate = Number(process.env.RATE ?? 1000);
const seconds = Number(process.env.SECONDS ?? 5);
const warmupSeconds = Number(process.env.WARMUP ?? 1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(process.env.CONNECTIONS ?? 64) });
const headers = host ? { host } : {};

const samples = [];
let errors = 0;
let inFlight = 0;
function send(scheduledAt, record) {
  inFlight++;
  const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers, agent }, (res) => {
    res.resume();
    res.on('end', () => {
      inFlight--;
      if (record) samples.push(Number(process.hrtime.bigint() - scheduledAt) / 1e6);
    });
  });
  req.on('error', () => {
    inFlight--;
    errors++;
  });
}

const intervalNs = BigInt(Math.round(1e9 / rate));
const total = Math.round(rate * (seconds + warmupSeconds));
const warmup = Math.round(rate * warmupSeconds);
const start = process.hrtime.bigint();
let next = 0;
await new Promise((resolve) => {
  const tick = () => {
    const now = process.hrtime.bigint();
    while (next < total && start + BigInt(next) * intervalNs <= now) {
      send(process.hrtime.bigint(), next >= warmup);
      next++;
    }
    if (next >= total) return resolve();
    setTimeout(tick, 1);
  };
  tick();
});
const drainDeadline = Date.now() + 10_000;
while (inFlight > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));
samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? null;
console.log(JSON.stringify({ p50Ms: pct(50), p90Ms: pct(90), p99Ms: pct(99), maxMs: samples.at(-1) ?? null, sent: samples.length, errors }));
process.exit(0);
