// The page-load workload's app (an index.html and a tree of small ES modules, as text) and the
// shape of its results. Pure.
// Module i imports modules FAN_OUT*i+1 … FAN_OUT*i+FAN_OUT, so 1,000 modules are 5 levels deep:
// the browser discovers each level only after the one above has arrived, like a real app.

export const FAN_OUT = 8;

export type PageloadVariant = 'direct' | 'locald-h1' | 'locald-h2' | 'locald-nocapture-h1' | 'node-h1' | 'caddy-h1' | 'caddy-h2';

export const VARIANT_LABELS: Record<PageloadVariant, string> = {
  direct: 'Vite direct, HTTP/1.1',
  'locald-h1': 'locald, HTTP/1.1',
  'locald-h2': 'locald, HTTP/2 (TLS)',
  'locald-nocapture-h1': 'locald with capture off, HTTP/1.1 (own Vite)',
  'node-h1': 'plain Node proxy, HTTP/1.1',
  'caddy-h1': 'Caddy, HTTP/1.1',
  'caddy-h2': 'Caddy, HTTP/2 (TLS)',
};

export interface LoadSample {
  /** ms from navigation start to the load event. */
  loadMs: number;
  /** ms from navigation start to the entry module's last line (every module has run). */
  doneMs: number;
  /** ALPN of the page's connection: http/1.1 or h2. */
  protocol: string;
  /** CPU time (user + system, all threads) the proxy process used during the load; NaN for direct. */
  proxyCpuMs: number;
  /** CPU time of the service's processes (Vite and its esbuild) during the load. */
  serviceCpuMs: number;
  /** CPU time of every Chromium process during the load. */
  browserCpuMs: number;
  /** CPU time of every process on the machine during the load (all cores): is the load CPU-bound? */
  machineCpuMs: number;
}

export interface PageloadResult {
  samples: Map<PageloadVariant, LoadSample[]>;
  unavailable: Map<PageloadVariant, string>;
  loads: number;
  /** Unmeasured loads of each variant before the measured ones. */
  warmups: number;
  modules: number;
  localdPid: number;
  /** The machine's 1-minute load average when the measured loads began and ended. */
  loadAverage: [number, number];
  cores: number;
}


/** Relative path → file contents. The entry (src/main.js) runs last and stamps window.__done. */
export function pageloadApp(moduleCount: number): Map<string, string> {
  if (!Number.isInteger(moduleCount) || moduleCount < 1) throw new Error(`module count must be a positive whole number, got ${moduleCount}`);
  const files = new Map<string, string>();
  files.set(
    'index.html',
    '<!doctype html>\n<html><head><meta charset="utf-8"><title>page-load bench</title></head>\n<body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>\n',
  );
  // A config with no imports, so Vite need not resolve the `vite` package from the temp dir.
  files.set('vite.config.mjs', 'export default { clearScreen: false, logLevel: "info", server: { allowedHosts: true } };\n');
  files.set(
    'src/main.js',
    [
      "import { total } from './m0.js';",
      '// Module scripts run after every module they import: this line runs after the last one.',
      'window.__done = performance.now();',
      "document.getElementById('app').textContent = String(total);",
      '',
    ].join('\n'),
  );
  for (let i = 0; i < moduleCount; i++) {
    const children: number[] = [];
    for (let c = FAN_OUT * i + 1; c <= FAN_OUT * i + FAN_OUT && c < moduleCount; c++) children.push(c);
    files.set(
      `src/m${i}.js`,
      [
        ...children.map((c) => `import { total as t${c} } from './m${c}.js';`),
        `export const label = 'module ${i}';`,
        `export function describe() { return label + ' with ${children.length} children'; }`,
        `export const total = 1${children.map((c) => ` + t${c}`).join('')};`,
        '',
      ].join('\n'),
    );
  }
  return files;
}
