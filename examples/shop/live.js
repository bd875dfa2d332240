// Realtime endpoints: a WebSocket echo at /live/ws and a Server-Sent Events clock at /live/events.
// The WebSocket server is a minimal RFC 6455 implementation so the example needs no packages.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';

const port = Number(process.env.PORT);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const server = createServer((req, res) => {
  if (req.url?.startsWith('/live/events')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let n = 0;
    const tick = () => res.write(`id: ${++n}\nevent: tick\ndata: ${JSON.stringify({ n, time: new Date().toISOString() })}\n\n`);
    tick();
    const timer = setInterval(tick, 1000);
    req.on('close', () => clearInterval(timer));
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`live: try /live/ws or /live/events, not ${req.url}\n`);
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  if (!req.url?.startsWith('/live/ws') || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const frame = readFrame(buffered);
      if (frame === null) return;
      buffered = buffered.subarray(frame.length);
      if (frame.opcode === 0x8) {
        socket.end(encodeFrame(0x8, frame.payload.subarray(0, 2)));
        return;
      }
      if (frame.opcode === 0x9) socket.write(encodeFrame(0xa, frame.payload));
      else if (frame.opcode === 0x1 || frame.opcode === 0x2) socket.write(encodeFrame(frame.opcode, frame.payload));
    }
  });
  socket.on('error', () => socket.destroy());
});

function readFrame(buf) {
  if (buf.length < 2) return null;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return null;
  const payload = Buffer.from(buf.subarray(offset, offset + len));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buf[maskOffset + (i % 4)];
  return { opcode, payload, length: offset + len };
}

function encodeFrame(opcode, payload) {
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

server.listen(port, '127.0.0.1', () => console.log(`live: listening on ${port}`));
