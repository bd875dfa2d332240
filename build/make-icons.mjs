// Draws locald's icons as PNGs with nothing but zlib, so they can be regenerated on any
// machine: `node build/make-icons.mjs`. The outputs are committed.
//   icon.png                      512x512 app icon (electron-builder derives .icns/.ico)
//   tray/tray{,Idle,Attention,Failing}Template{,@2x}.png   macOS template images (black + alpha)
//   tray/tray-{idle,running,attention,failing}-{light,dark}.png  Windows/Linux, for light/dark taskbars
// Shapes: idle = ring, running = ring with a filled centre, attention = running with a badge
// dot outside the ring's top-right (changed commands wait for approval), failing = ring with a bar and dot (!).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** rgba: Uint8Array of size*size*4. */
export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Shapes as coverage functions over the unit square (0..1), sampled 4x4 per pixel.
const ring = (x, y) => {
  const d = Math.hypot(x - 0.5, y - 0.5);
  return d <= 0.44 && d >= 0.31;
};
const dot = (x, y) => Math.hypot(x - 0.5, y - 0.5) <= 0.17;
const bang = (x, y) => (Math.abs(x - 0.5) <= 0.06 && y >= 0.27 && y <= 0.56) || Math.hypot(x - 0.5, y - 0.67) <= 0.065;
const badge = (x, y) => Math.hypot(x - 0.84, y - 0.16) <= 0.15;
const SHAPES = {
  idle: (x, y) => ring(x, y),
  running: (x, y) => ring(x, y) || dot(x, y),
  attention: (x, y) => ((ring(x, y) || dot(x, y)) && Math.hypot(x - 0.84, y - 0.16) > 0.21) || badge(x, y),
  failing: (x, y) => ring(x, y) || bang(x, y),
};

function render(size, inside, color, background = null) {
  const rgba = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          if (inside((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++;
        }
      }
      const coverage = hits / (samples * samples);
      const i = (py * size + px) * 4;
      if (background !== null) {
        const [r, g, b] = background((px + 0.5) / size, (py + 0.5) / size);
        const bgAlpha = roundedSquare((px + 0.5) / size, (py + 0.5) / size) ? 255 : 0;
        rgba[i] = Math.round(r * (1 - coverage) + color[0] * coverage);
        rgba[i + 1] = Math.round(g * (1 - coverage) + color[1] * coverage);
        rgba[i + 2] = Math.round(b * (1 - coverage) + color[2] * coverage);
        rgba[i + 3] = bgAlpha;
      } else {
        rgba[i] = color[0];
        rgba[i + 1] = color[1];
        rgba[i + 2] = color[2];
        rgba[i + 3] = Math.round(coverage * 255);
      }
    }
  }
  return rgba;
}

function roundedSquare(x, y) {
  const margin = 0.06;
  const radius = 0.2;
  const cx = Math.min(Math.max(x, margin + radius), 1 - margin - radius);
  const cy = Math.min(Math.max(y, margin + radius), 1 - margin - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

function write(relative, size, rgba) {
  const file = join(here, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encodePng(size, rgba));
  return relative;
}

export function makeIcons() {
  const written = [];
  // App icon: the "running" glyph, white on a blue gradient, inset to the 512 canvas.
  const appGlyph = (x, y) => SHAPES.running((x - 0.2) / 0.6, (y - 0.2) / 0.6) && x >= 0.2 && x <= 0.8 && y >= 0.2 && y <= 0.8;
  written.push(write('icon.png', 512, render(512, appGlyph, [255, 255, 255], (_x, y) => [37 + 20 * y, 99 - 30 * y, 235 - 40 * y])));
  const macNames = { running: 'trayTemplate', idle: 'trayIdleTemplate', attention: 'trayAttentionTemplate', failing: 'trayFailingTemplate' };
  for (const [state, shape] of Object.entries(SHAPES)) {
    written.push(write(`tray/${macNames[state]}.png`, 16, render(16, shape, [0, 0, 0])));
    written.push(write(`tray/${macNames[state]}@2x.png`, 32, render(32, shape, [0, 0, 0])));
    // "dark" = for a dark taskbar: a light glyph. "light" = for a light taskbar: a dark glyph.
    written.push(write(`tray/tray-${state}-dark.png`, 32, render(32, shape, [255, 255, 255])));
    written.push(write(`tray/tray-${state}-light.png`, 32, render(32, shape, [32, 32, 32])));
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of makeIcons()) console.log(`wrote build/${file}`);
}
