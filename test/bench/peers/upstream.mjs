// The fixed upstream every benchmark proxies to. PORT from the environment.
//   GET  /             12 bytes            GET /64k          64 KiB
//   POST (any path)    counts the body     GET /stream?bytes=N  N bytes, streamed with backpressure
//   GET  /sse          an event stream     GET /sse/publish  one event to every open /sse client
//   GET  /module.js    a small ES module with the headers Vite's dev server sends
//   WebSocket (any path): echo
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const small = Buffer.from('hello world\n');
const big = Buffer.alloc(64 * 1024, 'x');
const moduleJs = Buffer.from(`import { total as t1 } from './m1.js';\nexport const label = 'module 0';\nexport const total = 1 + t1;\n`.repeat(4));
// What Vite's dev server answers for a transformed module (vite 5/6, cached transform).
const moduleHeaders = {
  vary: 'Origin',
  'content-type': 'text/javascript',
  'cache-control': 'no-cache',
  etag: 'W/"1a8-kqFzDbJ2xZ6Vd3T7m3lJw8rV9Qk"',
  'content-length': moduleJs.length,
};
const sseClients = new Set();

function streamBytes(res, total) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  let left = total;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= big.length ? big : big.subarray(0, left);
      left -= chunk.length;
      if (left === 0) return res.end(chunk);
      if (!res.write(chunk)) return res.once('drain', pump);
    }
  };
  pump();
}

function openSse(res) {
  // X-Accel-Buffering: nginx's documented switch to pass events through unbuffered.
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.write(': open\n\n');
  sseClients.add(res);
  res.on('close', () => sseClients.delete(res));
}

function publish(res) {
  // CLOCK_MONOTONIC is shared by every process on the machine, so clients can subtract it.
  const event = `data: ${process.hrtime.bigint()}\n\n`;
  for (const client of sseClients) client.write(event);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(String(sseClients.size));
}

const server = createServer((req, res) => {
  if (req.method === 'POST' || req.method === 'PUT') {
    let size = 0;
    req.on('data', (c) => (size += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(size));
    });
    return;
  }
  const url = req.url ?? '/';
  if (url === '/64k') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
    res.end(big);
    return;
  }
  if (url.startsWith('/module.js')) {
    res.writeHead(200, moduleHeaders);
    res.end(moduleJs);
    return;
  }
  if (url.startsWith('/stream?bytes=')) return streamBytes(res, Number(url.slice('/stream?bytes='.length)) || 0);
  if (url === '/sse') return openSse(res);
  if (url === '/sse/publish') return publish(res);
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': small.length });
  res.end(small);
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => ws.terminate());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('upstream ready'));
