// The frontend: one static page that talks to the API, the WebSocket echo and the SSE stream
// on its own origin, which is the point of putting them behind one locald domain.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

const port = Number(process.env.PORT);
const page = await readFile(new URL('./public/index.html', import.meta.url));

createServer((req, res) => {
  if (req.url === '/' || req.url?.startsWith('/?')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`web: no page at ${req.url}\n`);
}).listen(port, '127.0.0.1', () => console.log(`web: listening on ${port}`));
