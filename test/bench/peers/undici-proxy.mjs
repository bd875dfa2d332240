// The same minimal proxy with undici's Pool as the upstream client, to measure the pool alone.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(`http://127.0.0.1:${process.env.TARGET_PORT}`, { connections: 256, pipelining: 1 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

createServer((req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!hopByHop.has(k) && v !== undefined) headers[k] = v;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool.stream(
    { path: req.url ?? '/', method: req.method, headers, body: hasBody ? req : undefined },
    ({ statusCode, headers: upHeaders }) => {
      const out = {};
      for (const [k, v] of Object.entries(upHeaders)) if (!hopByHop.has(k)) out[k] = v;
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      if (err && !res.headersSent) {
        res.writeHead(502);
        res.end();
      }
    },
  );
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('proxy ready'));
