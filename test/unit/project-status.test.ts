import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceState } from '../../shared/state.js';
import { projectUrl, summariseProject } from '../../engine/project-status.js';
import { serviceState } from './state-fixtures.js';

const svc = (over: Partial<ServiceState>): ServiceState => serviceState('api', { pid: 1, ...over });
const on = { enabled: true, stopping: false, unloadable: false };

test('a project is running only when every service is ready', () => {
  assert.equal(summariseProject(on, [svc({}), svc({ name: 'web' })]), 'running');
  assert.equal(summariseProject(on, [svc({}), svc({ name: 'web', status: 'starting' })]), 'starting');
  assert.equal(summariseProject(on, [svc({}), svc({ name: 'web', status: 'stopped' })]), 'starting');
});

test('a failing service degrades the project, whatever else is starting', () => {
  for (const status of ['crashed', 'unhealthy', 'backoff'] as const) {
    assert.equal(summariseProject(on, [svc({ status }), svc({ name: 'web', status: 'starting' })]), 'degraded', status);
  }
  const heldBack = svc({ name: 'web', status: 'stopped', reason: "not started: dependency 'api' failed (exited with code 3)" });
  assert.equal(summariseProject(on, [svc({}), heldBack]), 'degraded');
});

test('a one-shot task that exited does not keep the project starting', () => {
  const done = svc({ name: 'migrate', status: 'stopped', lastExit: { code: 0, signal: null, at: 5 }, reason: 'exited with code 0' });
  assert.equal(summariseProject(on, [svc({}), done]), 'running');
});

test('phase wins over services: unloadable, stopping, disabled', () => {
  assert.equal(summariseProject({ ...on, unloadable: true }, [svc({})]), 'error');
  assert.equal(summariseProject({ ...on, stopping: true }, [svc({})]), 'stopping');
  assert.equal(summariseProject({ ...on, enabled: false }, [svc({})]), 'stopped');
});

test('project URLs use the project label and the proxy port', () => {
  assert.equal(projectUrl('shop', 7700), 'http://shop.localhost:7700/');
  assert.equal(projectUrl('shop', 7700, 'https'), 'https://shop.localhost:7700/');
});
