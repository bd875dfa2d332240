// The fixed upstream every benchmark proxies to. PORT from the environment.
import { createServer } from 'node:http';

const small = Buffer.from('hello world\n');
const big = Buffer.alloc(64 * 1024, 'x');

const server = createServer((req, res) => {
  if (req.url === '/64k') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
    res.end(big);
    return;
  }
  if (req.method === 'POST') {
    let size = 0;
    req.on('data', (c) => (size += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(size));
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': small.length });
  res.end(small);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('upstream ready'));
