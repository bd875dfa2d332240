// The page-load workload's pure parts: the generated module tree, the locald/Caddy configs and
// the verdicts against issue 13's targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageloadCaddyfile, viteLocaldToml } from '../bench/configs.js';
import { pageloadApp, type LoadSample, type PageloadResult, type PageloadVariant } from '../bench/pageload-app.js';
import { pageloadChecks, pageloadTable } from '../bench/report.js';

test('pageloadApp writes every module once and each one is imported by exactly one parent', () => {
  const files = pageloadApp(1000);
  const modules = [...files.keys()].filter((f) => /^src\/m\d+\.js$/.test(f));
  assert.equal(modules.length, 1000);
  const imported = new Map<string, number>();
  for (const text of files.values()) for (const m of text.matchAll(/from '\.\/(m\d+)\.js'/g)) imported.set(m[1] as string, (imported.get(m[1] as string) ?? 0) + 1);
  for (let i = 0; i < 1000; i++) assert.equal(imported.get(`m${i}`), 1, `m${i} imported once`);
  assert.match(files.get('src/main.js') ?? '', /window\.__done = performance\.now\(\)/);
  assert.match(files.get('index.html') ?? '', /<script type="module" src="\/src\/main\.js">/);
  assert.throws(() => pageloadApp(0), /positive whole number/);
});

test('the page-load configs run Vite on the given port and put Caddy in front of it without HTTP/3', () => {
  const toml = viteLocaldToml({ nodePath: '/n', viteScript: '/v.js', port: 5199 });
  assert.match(toml, /--port 5199 --strictPort/);
  assert.match(toml, /^port = 5199$/m);
  const caddy = pageloadCaddyfile({ httpPort: 1, tlsPort: 2, upstreamPort: 5199, certFile: '/c', keyFile: '/k' });
  assert.equal(caddy.match(/reverse_proxy 127\.0\.0\.1:5199/g)?.length, 2);
  assert.match(caddy, /protocols h1 h2/);
});

const sample = (doneMs: number): LoadSample => ({ loadMs: doneMs + 1, doneMs, protocol: 'http/1.1', proxyCpuMs: 100, serviceCpuMs: 500, browserCpuMs: 1500, machineCpuMs: 1000 });
const result = (done: Partial<Record<PageloadVariant, number[]>>): PageloadResult => ({
  samples: new Map(Object.entries(done).map(([v, ms]) => [v as PageloadVariant, ms.map(sample)])),
  unavailable: new Map(),
  loads: 3,
  warmups: 1,
  modules: 1000,
  localdPid: 1,
  loadAverage: [1, 1],
  cores: 2,
});

test('pageloadChecks judges the medians: h1 within 10% of direct and no slower than Caddy, h2 no slower than direct', () => {
  const ok = pageloadChecks(result({ direct: [1000, 2000, 1100], 'locald-h1': [1250, 1300, 900], 'locald-h2': [1000, 1100, 1050], 'caddy-h1': [1300, 1350, 1200] }));
  assert.deepEqual(
    ok.map((c) => c.verdict),
    ['FAIL', 'pass', 'pass'],
  );
  assert.match(ok[0]?.measured ?? '', /1,250 vs 1,100 ms/);
  const missing = pageloadChecks(result({ direct: [1000] }));
  assert.deepEqual(
    missing.map((c) => c.verdict),
    ['n/a', 'n/a', 'n/a'],
  );
  assert.match(pageloadTable(result({ direct: [1000], 'locald-h1': [1500] })), /\| locald, HTTP\/1\.1 \| 1,500 \| 1\.50× \|/);
});
