import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planDependencies, stopOrder, transitiveDependents } from '../../engine/supervisor/dependency-order.js';

const n = (name: string, ...dependsOn: string[]) => ({ name, dependsOn });

test('independent services share level 0 and keep their order', () => {
  const plan = planDependencies([n('web'), n('api'), n('worker')]);
  assert.deepEqual(plan.levels, [['web', 'api', 'worker']]);
  assert.deepEqual(plan.problems, []);
});

test('a service comes one level after its deepest dependency', () => {
  const plan = planDependencies([n('web', 'api', 'auth'), n('api', 'db'), n('auth'), n('db')]);
  assert.deepEqual(plan.levels, [['auth', 'db'], ['api'], ['web']]);
  assert.deepEqual(stopOrder(plan), [['web'], ['api'], ['auth', 'db']]);
});

test('an unknown dependency is a problem for the service and its dependents, with the nearest cause', () => {
  const plan = planDependencies([n('web', 'api'), n('api', 'databse'), n('cache')]);
  assert.deepEqual(plan.levels, [['cache']]);
  assert.deepEqual(plan.problems, [
    { service: 'web', reason: "depends on 'api', which cannot start" },
    { service: 'api', reason: "depends on unknown service 'databse'" },
  ]);
  // Services that never started are stopped first (they may have been started by hand).
  assert.deepEqual(stopOrder(plan), [['web', 'api'], ['cache']]);
});

test('a cycle names its members in order', () => {
  const plan = planDependencies([n('a', 'b'), n('b', 'c'), n('c', 'a'), n('d', 'c'), n('e')]);
  assert.deepEqual(plan.levels, [['e']]);
  const reasons = Object.fromEntries(plan.problems.map((p) => [p.service, p.reason]));
  assert.equal(reasons.a, 'dependency cycle a -> b -> c -> a');
  assert.equal(reasons.b, 'dependency cycle a -> b -> c -> a');
  assert.equal(reasons.c, 'dependency cycle a -> b -> c -> a');
  assert.equal(reasons.d, "depends on 'c', which cannot start");
});

test('a service depending on itself is a cycle', () => {
  const plan = planDependencies([n('a', 'a')]);
  assert.deepEqual(plan.problems, [{ service: 'a', reason: 'dependency cycle a -> a' }]);
});

test('transitive dependents', () => {
  const nodes = [n('web', 'api'), n('api', 'db'), n('admin', 'api'), n('db'), n('other')];
  assert.deepEqual(transitiveDependents(nodes, 'db').sort(), ['admin', 'api', 'web']);
  assert.deepEqual(transitiveDependents(nodes, 'web'), []);
});
