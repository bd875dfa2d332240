// The baseline: the smallest correct keep-alive proxy on node:http, no routing, no headers work.
// WebSocket upgrades are spliced through raw, so the WebSocket workloads have a baseline too.
import { createServer, request, Agent } from 'node:http';
import { connect } from 'node:net';

const target = Number(process.env.TARGET_PORT);
// No maxSockets cap: 1,000 SSE streams each hold an upstream connection.
const agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });

const server = createServer((req, res) => {
  const upstream = request(
    { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  // A client that goes away must release its upstream connection (SSE streams never end on their own).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
});

server.on('upgrade', (req, socket, head) => {
  const up = connect(target, '127.0.0.1', () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  const kill = () => {
    up.destroy();
    socket.destroy();
  };
  up.on('error', kill);
  socket.on('error', kill);
  up.on('close', kill);
  socket.on('close', kill);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('proxy ready'));
