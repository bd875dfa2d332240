// The baseline: the smallest correct keep-alive proxy on node:http, no routing, no headers work.
import { createServer, request, Agent } from 'node:http';

const target = Number(process.env.TARGET_PORT);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

createServer((req, res) => {
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
  req.pipe(upstream);
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('proxy ready'));
