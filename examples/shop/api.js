// A JSON API. It sees paths without the /api prefix, because the route strips it.
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const products = [
  { id: 1, name: 'Teapot', price: 18 },
  { id: 2, name: 'Kettle', price: 42 },
];

createServer((req, res) => {
  const json = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return json(200, { ok: true });
  if (path === '/hello') {
    return json(200, {
      message: process.env.GREETING ?? 'hello',
      path: req.url,
      host: req.headers.host,
      forwardedFor: req.headers['x-forwarded-for'] ?? null,
      forwardedHost: req.headers['x-forwarded-host'] ?? null,
      forwardedProto: req.headers['x-forwarded-proto'] ?? null,
      forwarded: req.headers.forwarded ?? null,
      headers: req.headers,
    });
  }
  if (path === '/products') return json(200, products);
  if (path === '/echo' && req.method === 'POST') {
    let size = 0;
    req.on('data', (chunk) => (size += chunk.length));
    req.on('end', () => json(200, { received: size }));
    return;
  }
  if (path === '/crash') {
    console.error('api: crashing on purpose (GET /api/crash)');
    json(200, { crashing: true });
    setTimeout(() => process.exit(3), 50);
    return;
  }
  json(404, { error: `no route for ${req.method} ${path}` });
}).listen(port, '127.0.0.1', () => console.log(`api: listening on ${port}`));
