// Which tray image main loads for each state, platform and theme, checked against the
// committed PNGs themselves: macOS gets template images (black + alpha), Windows/Linux a
// light glyph on dark taskbars and a dark glyph on light ones, and each state looks different.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { allTrayIconFiles, TRAY_ICON_STATES, trayBarIsDark, trayIconFile } from '../../electron/logic/tray-icons.js';
import { trustCertificateResult } from '../../electron/logic/certificate-trust.js';

const trayDir = join(dirname(fileURLToPath(import.meta.url)), '../../build/tray');

/** Decodes the 8-bit RGBA, filter-0 PNGs build/make-icons.mjs writes. */
function pixels(file: string): { size: number; rgba: Buffer } {
  const data = readFileSync(join(trayDir, file));
  const size = data.readUInt32BE(16);
  assert.equal(data[24], 8, `${file}: bit depth`);
  assert.equal(data[25], 6, `${file}: RGBA`);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < data.length; ) {
    const length = data.readUInt32BE(offset);
    if (data.toString('ascii', offset + 4, offset + 8) === 'IDAT') chunks.push(data.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    assert.equal(raw[y * (size * 4 + 1)], 0, `${file}: unfiltered rows`);
    raw.copy(rgba, y * size * 4, y * (size * 4 + 1) + 1, (y + 1) * (size * 4 + 1));
  }
  return { size, rgba };
}

/** Mean brightness of the drawn pixels, and the alpha mask as a string (the shape). */
function glyph(file: string): { brightness: number; mask: string } {
  const { rgba } = pixels(file);
  let sum = 0;
  let count = 0;
  let mask = '';
  for (let i = 0; i < rgba.length; i += 4) {
    const alpha = rgba[i + 3] ?? 0;
    mask += alpha > 127 ? '#' : '.';
    if (alpha > 127) {
      sum += ((rgba[i] ?? 0) + (rgba[i + 1] ?? 0) + (rgba[i + 2] ?? 0)) / 3;
      count++;
    }
  }
  assert.ok(count > 0, `${file} draws something`);
  return { brightness: sum / count, mask };
}

describe('tray icons', () => {
  it('macOS: template images (black glyph on alpha), one shape per state', () => {
    const masks = new Set<string>();
    for (const state of TRAY_ICON_STATES) {
      const file = trayIconFile(state, 'darwin', false);
      assert.match(file, /Template\.png$/, 'the "Template" suffix makes macOS recolour it for the menu bar');
      assert.equal(trayIconFile(state, 'darwin', true), file, 'templates serve both themes');
      const { brightness, mask } = glyph(file);
      assert.equal(brightness, 0);
      assert.equal(glyph(file.replace(/\.png$/, '@2x.png')).brightness, 0);
      masks.add(mask);
    }
    assert.equal(masks.size, TRAY_ICON_STATES.length, 'idle, running, attention and failing are told apart by shape');
  });

  for (const platform of ['win32', 'linux']) {
    it(`${platform}: a light glyph for dark taskbars and a dark glyph for light ones, one shape per state`, () => {
      const masks = new Set<string>();
      for (const state of TRAY_ICON_STATES) {
        const onDark = glyph(trayIconFile(state, platform, true));
        const onLight = glyph(trayIconFile(state, platform, false));
        assert.ok(onDark.brightness > 200, `${state} on a dark taskbar is light`);
        assert.ok(onLight.brightness < 60, `${state} on a light taskbar is dark`);
        assert.equal(onDark.mask, onLight.mask, 'same shape in both themes');
        masks.add(onDark.mask);
      }
      assert.equal(masks.size, TRAY_ICON_STATES.length);
    });
  }

  it('allTrayIconFiles names every file main can ask for, including the @2x templates', () => {
    const files = allTrayIconFiles();
    assert.equal(files.length, TRAY_ICON_STATES.length * 4);
    for (const state of TRAY_ICON_STATES) {
      for (const [platform, dark] of [['darwin', false], ['win32', false], ['win32', true]] as const) {
        assert.ok(files.includes(trayIconFile(state, platform, dark)));
      }
    }
  });
});

describe('trayBarIsDark', () => {
  it('Windows follows the system (taskbar) theme, not the apps\' theme', () => {
    assert.equal(trayBarIsDark('win32', { shouldUseDarkColors: false, shouldUseDarkColorsForSystemIntegratedUI: true }), true);
    assert.equal(trayBarIsDark('win32', { shouldUseDarkColors: true, shouldUseDarkColorsForSystemIntegratedUI: false }), false);
    assert.equal(trayBarIsDark('win32', { shouldUseDarkColors: true }), true, 'older Electron without the flag');
  });

  it('elsewhere the app theme decides', () => {
    assert.equal(trayBarIsDark('linux', { shouldUseDarkColors: true, shouldUseDarkColorsForSystemIntegratedUI: false }), true);
    assert.equal(trayBarIsDark('darwin', { shouldUseDarkColors: false }), false);
  });
});

describe('trustCertificateResult: the desktop words the same per-store report as locald ca --install', () => {
  const nss = { store: 'NSS database /home/ann/.pki/nssdb (Chromium)', detail: 'added: ran certutil -A', commands: ['certutil -A'] };

  it('every store added or already there: ok, with the report', () => {
    const result = trustCertificateResult({ certPath: '/c.pem', reports: [{ ...nss, status: 'added' }] });
    assert.equal(result.ok, true);
    assert.match(result.message, /^The locald certificate is trusted\. .*\n\nCA certificate: \/c\.pem\nadded {3}NSS database \/home\/ann\/\.pki\/nssdb \(Chromium\): ran certutil -A$/);
  });

  it('a browser left without the CA is not ok, and says which and what to do', () => {
    const result = trustCertificateResult({
      certPath: '/c.pem',
      reports: [
        { ...nss, status: 'present', detail: 'already there', commands: [] },
        { store: 'Firefox', status: 'skipped', detail: 'skipped: start Firefox once', commands: [], stillUntrusted: { browsers: 'Firefox', remedy: 'start Firefox once' } },
      ],
    });
    assert.equal(result.ok, false);
    assert.match(result.message, /\nFirefox will still not trust the CA: start Firefox once\.$/);
  });

  it('no CA, or a failed store: not ok', () => {
    assert.equal(trustCertificateResult({ certPath: '/c.pem', caNote: 'there is no local CA yet: run locald first', reports: [] }).ok, false);
    assert.equal(trustCertificateResult({ certPath: '/c.pem', reports: [{ ...nss, status: 'failed', detail: 'failed: x' }] }).ok, false);
  });
});
