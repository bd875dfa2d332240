import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogLine, ProjectState, ServiceState } from '../../shared/state.js';
import { serviceState } from './state-fixtures.js';
import { serviceFailures } from '../../shared/service-failures.js';
import type { FailureNotice, NotifierMemory } from '../../electron/logic/failure-notifications.js';
import {
  decideNotification,
  EMPTY_NOTIFIER_MEMORY,
  lastServiceLine,
  noticeBody,
  noticeTitle,
  OVERALL_MAX_NOTICES,
  OVERALL_WINDOW_MS,
  PER_SERVICE_INTERVAL_MS,
} from '../../electron/logic/failure-notifications.js';

const service = serviceState;

function project(services: ServiceState[], name = 'shop'): ProjectState {
  return { name, dir: `/work/${name}`, file: `/work/${name}/locald.toml`, status: 'running', url: '', services, routes: [], configIssues: [] };
}

const ready = (name: string): ServiceState => service(name);
const crashedAt = (name: string, at: number): ServiceState =>
  service(name, { status: 'backoff', pid: null, lastExit: { code: 1, signal: null, at }, reason: 'exited with code 1; restarting in 1s' });
const ON = { enabled: true };

describe('serviceFailures', () => {
  it('a crash (backoff or crashed), giving up and a failed readiness check are failures; recovering and stopping are not', () => {
    const before = project([ready('api'), ready('web'), ready('db'), ready('worker')]);
    const after = project([
      crashedAt('api', 10),
      service('web', { status: 'crashed', pid: null, lastExit: { code: 1, signal: null, at: 10 }, reason: 'gave up after 8 failures; fix it and restart', gaveUpAfter: 8 }),
      service('db', { status: 'unhealthy', reason: 'readiness timed out after 30s' }),
      service('worker', { status: 'stopped', pid: null }),
    ]);
    assert.deepEqual(serviceFailures(before, after), [
      { project: 'shop', service: 'api', kind: 'crashed', reason: 'exited with code 1; restarting in 1s' },
      { project: 'shop', service: 'web', kind: 'gave-up', reason: 'gave up after 8 failures; fix it and restart' },
      { project: 'shop', service: 'db', kind: 'unhealthy', reason: 'readiness timed out after 30s' },
    ]);
  });

  it('the same failure seen again is not new; a second exit while backing off is', () => {
    const first = project([crashedAt('api', 10)]);
    assert.deepEqual(serviceFailures(first, first), []);
    assert.equal(serviceFailures(first, project([crashedAt('api', 20)]))[0]?.kind, 'crashed');
    const unhealthy = project([service('api', { status: 'unhealthy', reason: 'x' })]);
    assert.deepEqual(serviceFailures(unhealthy, unhealthy), []);
  });

  it('a start that failed before spawning (crashed without a new exit) counts once', () => {
    const failed = project([service('api', { status: 'crashed', pid: null, reason: 'port 3000 is already in use' })]);
    assert.equal(serviceFailures(project([service('api', { status: 'starting' })]), failed).length, 1);
    assert.deepEqual(serviceFailures(failed, failed), []);
  });

  it('nothing for a project or service seen for the first time (a relaunch does not replay old crashes)', () => {
    assert.deepEqual(serviceFailures(undefined, project([crashedAt('api', 10)])), []);
    assert.deepEqual(serviceFailures(project([]), project([crashedAt('api', 10)])), []);
  });
});

/** Feeds a sequence of states through decideNotification, as main does, and returns the notices. */
function run(steps: Array<{ at: number; state: ProjectState }>, enabled = true, start: ProjectState = project([ready('api')])): FailureNotice[] {
  let previous = start;
  let memory: NotifierMemory = EMPTY_NOTIFIER_MEMORY;
  const notices: FailureNotice[] = [];
  for (const step of steps) {
    const decision = decideNotification(previous, step.state, step.at, { enabled }, memory);
    memory = decision.memory;
    previous = step.state;
    if (decision.notice !== null) notices.push(decision.notice);
  }
  return notices;
}

/** A crash loop: crashed, restarting, crashed again … every `every` ms. */
function crashLoop(name: string, times: number, every: number, from = 0): Array<{ at: number; state: ProjectState }> {
  const steps: Array<{ at: number; state: ProjectState }> = [];
  for (let i = 0; i < times; i++) {
    const at = from + i * every;
    steps.push({ at, state: project([crashedAt(name, at)]) });
    steps.push({ at: at + 1, state: project([service(name, { status: 'starting' })]) });
  }
  return steps;
}

describe('decideNotification', () => {
  it('a crash loop gives one notice per service per 30 s', () => {
    const notices = run(crashLoop('api', 20, 1_000));
    assert.equal(notices.length, 1);
    assert.equal(notices[0]?.service, 'api');
    // 61 s of crashing every second: at 0, 30 and 60 s.
    assert.equal(run(crashLoop('api', 61, 1_000)).length, 3);
  });

  it('giving up is told even within the 30 s of the crash notice', () => {
    const gaveUp = project([service('api', { status: 'crashed', pid: null, lastExit: { code: 1, signal: null, at: 9_000 }, reason: 'gave up', gaveUpAfter: 8 })]);
    const notices = run([...crashLoop('api', 8, 1_000), { at: 9_000, state: gaveUp }]);
    assert.deepEqual(notices.map((notice) => notice.kind), ['crashed', 'gave-up']);
  });

  it('at most three notices a minute overall; the next one says how many were held back', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    let previous = project(names.map(ready));
    let memory: NotifierMemory = EMPTY_NOTIFIER_MEMORY;
    const shown: FailureNotice[] = [];
    names.forEach((name, i) => {
      const next = project(previous.services.map((s) => (s.name === name ? crashedAt(name, i * 1_000) : s)));
      const decision = decideNotification(previous, next, i * 1_000, ON, memory);
      memory = decision.memory;
      previous = next;
      if (decision.notice !== null) shown.push(decision.notice);
    });
    assert.equal(shown.length, OVERALL_MAX_NOTICES);
    assert.deepEqual(shown.map((notice) => notice.service), ['a', 'b', 'c']);
    assert.equal(memory.heldBack, 3);
    // A minute after the first notice, the next failure is told with the three held back.
    const later = OVERALL_WINDOW_MS + 1;
    const next = project(previous.services.map((s) => (s.name === 'a' ? crashedAt('a', later) : s)));
    const decision = decideNotification(previous, next, later, ON, memory);
    assert.equal(decision.notice?.service, 'a');
    assert.equal(decision.notice?.more, 3);
    assert.equal(decision.memory.heldBack, 0);
  });

  it('failures in one update are one notice: the first, "and N more"', () => {
    const decision = decideNotification(project([ready('api'), ready('web'), ready('db')]), project([crashedAt('api', 5), crashedAt('web', 5), crashedAt('db', 5)]), 5, ON, EMPTY_NOTIFIER_MEMORY);
    assert.equal(decision.notice?.service, 'api');
    assert.equal(decision.notice?.more, 2);
    assert.deepEqual(decision.memory.shownAt, [5]);
  });

  it('nothing, and nothing counted, for a project with notifications off', () => {
    assert.deepEqual(run(crashLoop('api', 5, 1_000), false), []);
    const decision = decideNotification(project([ready('api')]), project([crashedAt('api', 5)]), 5, { enabled: false }, EMPTY_NOTIFIER_MEMORY);
    assert.deepEqual(decision, { notice: null, memory: EMPTY_NOTIFIER_MEMORY });
  });

  it('forgets services once their interval has passed (the memory stays bounded)', () => {
    const first = decideNotification(project([ready('api')]), project([crashedAt('api', 0)]), 0, ON, EMPTY_NOTIFIER_MEMORY);
    assert.deepEqual(first.memory.lastByService, { 'shop/api': 0 });
    const quiet = decideNotification(project([ready('api')]), project([ready('api')]), PER_SERVICE_INTERVAL_MS + OVERALL_WINDOW_MS, ON, first.memory);
    assert.deepEqual(quiet.memory, EMPTY_NOTIFIER_MEMORY);
  });
});

describe('notice text', () => {
  const line = (text: string, stream: LogLine['stream']): LogLine => ({ seq: 1, time: 1, project: 'shop', service: 'api', stream, text });

  it('says which project and service, what happened, and the service\'s last log line', () => {
    const notice: FailureNotice = { project: 'shop', service: 'api', kind: 'crashed', reason: 'exited with code 1; restarting in 1s', more: 0 };
    assert.equal(noticeTitle(notice), 'shop: api crashed');
    assert.equal(noticeTitle({ ...notice, kind: 'unhealthy' }), 'shop: api failed its readiness check');
    const last = lastServiceLine([line('connecting', 'stdout'), line('Error: ECONNREFUSED 127.0.0.1:5432', 'stderr'), line('exited with code 1', 'system'), line('  ', 'stdout')]);
    assert.equal(last, 'Error: ECONNREFUSED 127.0.0.1:5432');
    assert.equal(noticeBody(notice, last), 'Error: ECONNREFUSED 127.0.0.1:5432\nexited with code 1; restarting in 1s');
    assert.equal(noticeBody({ ...notice, more: 3 }, null), 'exited with code 1; restarting in 1s\nand 3 more failures');
    assert.equal(lastServiceLine([line('stopped', 'system')]), null);
    assert.equal(lastServiceLine([line('x'.repeat(500), 'stderr')])?.length, 200);
  });
});
