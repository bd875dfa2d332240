import assert from 'node:assert/strict';
import { test } from 'node:test';
import { injectPortFlag } from '../../engine/supervisor/port-flag.js';

const cmd = (command: string, scripts?: Record<string, string>) => injectPortFlag(command, scripts, 4123).command;

test('direct invocations of Vite, Astro and Angular CLI get --port', () => {
  assert.equal(cmd('vite'), 'vite --port 4123');
  assert.equal(cmd('vite dev --host'), 'vite dev --host --port 4123');
  assert.equal(cmd('npx vite'), 'npx vite --port 4123');
  assert.equal(cmd('npx --yes vite serve'), 'npx --yes vite serve --port 4123');
  assert.equal(cmd('pnpm exec vite'), 'pnpm exec vite --port 4123');
  assert.equal(cmd('./node_modules/.bin/vite'), './node_modules/.bin/vite --port 4123');
  assert.equal(cmd('NODE_ENV=development vite'), 'NODE_ENV=development vite --port 4123');
  assert.equal(cmd('astro dev'), 'astro dev --port 4123');
  assert.equal(cmd('ng serve'), 'ng serve --port 4123');
  assert.equal(cmd('cd frontend && vite'), 'cd frontend && vite --port 4123');
  assert.deepEqual(injectPortFlag('vite', undefined, 4123), { command: 'vite --port 4123', tool: 'vite', injected: true });
  assert.equal(injectPortFlag('ng serve', undefined, 1).tool, 'angular');
});

test('commands that do not serve, or already pass a port, are left alone', () => {
  for (const c of ['vite build', 'astro build', 'ng build', 'node server.js', 'vite --port 3000', 'vite --port=3000', 'astro dev -p 3000', 'vite | tee log', 'vite &', 'vite # comment', 'next dev', '']) {
    assert.equal(cmd(c), c, c);
  }
  assert.deepEqual(injectPortFlag('vite --port 3000', undefined, 4123), { command: 'vite --port 3000', tool: 'vite', injected: false });
});

test('package-manager scripts that run a port-ignoring tool get the flag the manager passes through', () => {
  const scripts = { dev: 'vite', start: 'astro dev', serve: 'ng serve', build: 'vite build', both: 'vite && echo done', api: 'node server.js', fixed: 'vite --port 3000' };
  assert.equal(cmd('npm run dev', scripts), 'npm run dev -- --port 4123');
  assert.equal(cmd('npm run --silent dev', scripts), 'npm run --silent dev -- --port 4123');
  assert.equal(cmd('npm run dev -- --host', scripts), 'npm run dev -- --host --port 4123');
  assert.equal(cmd('npm start', scripts), 'npm start -- --port 4123');
  assert.equal(cmd('npm run-script serve', scripts), 'npm run-script serve -- --port 4123');
  assert.equal(cmd('pnpm dev', scripts), 'pnpm dev --port 4123');
  assert.equal(cmd('pnpm run dev', scripts), 'pnpm run dev --port 4123');
  assert.equal(cmd('yarn dev', scripts), 'yarn dev --port 4123');
  assert.equal(cmd('yarn run serve', scripts), 'yarn run serve --port 4123');
  assert.equal(cmd('bun run dev', scripts), 'bun run dev --port 4123');
  assert.equal(injectPortFlag('npm run dev', scripts, 4123).tool, 'vite');
  // Not applicable:
  for (const c of ['npm run build', 'npm run both', 'npm run api', 'npm run fixed', 'npm run missing', 'npm install', 'pnpm install', 'yarn', 'cd web && npm run dev']) {
    assert.equal(cmd(c, scripts), c, c);
  }
  assert.equal(cmd('npm run dev', undefined), 'npm run dev');
});

test('an invalid port never produces a flag', () => {
  assert.equal(injectPortFlag('vite', undefined, 0).injected, false);
  assert.equal(injectPortFlag('vite', undefined, 70000).injected, false);
});
