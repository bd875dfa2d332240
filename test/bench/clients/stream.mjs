// Streams BYTES through the proxy: MODE=upload POSTs them, MODE=download GETs /stream?bytes=BYTES.
// Prints one JSON line: { bytes, seconds, mibPerSec, ok }.
//   URL=http://127.0.0.1:PORT HOST=... MODE=upload BYTES=1073741824 node stream.mjs
import { performance } from 'node:perf_hooks';
import http from 'node:http';

const base = new URL(process.env.URL);
const host = process.env.HOST;
const mode = process.env.MODE;
const total = Number(process.env.BYTES ?? 2 ** 30);
const chunk = Buffer.alloc(64 * 1024, 'u');
const started = performance.now();

function report(bytes, ok) {
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ bytes, seconds, mibPerSec: bytes / 2 ** 20 / seconds, ok }));
  process.exit(0);
}

const options = { host: base.hostname, port: base.port, headers: host ? { host } : {} };
if (mode === 'upload') {
  const req = http.request({ ...options, method: 'POST', path: '/upload', headers: { ...options.headers, 'content-length': total } }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => report(Number(body), res.statusCode === 200 && Number(body) === total));
  });
  req.on('error', (err) => report(0, false, err));
  let left = total;
  const pump = () => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (left === 0) return req.end(piece);
      if (!req.write(piece)) return req.once('drain', pump);
    }
  };
  pump();
} else {
  const req = http.get({ ...options, path: `/stream?bytes=${total}` }, (res) => {
    let bytes = 0;
    res.on('data', (c) => (bytes += c.length));
    res.on('end', () => report(bytes, res.statusCode === 200 && bytes === total));
    res.on('error', () => report(bytes, false));
  });
  req.on('error', () => report(0, false));
}
