// Dependency ordering of services: pure functions over `name -> dependsOn`.

export interface DependencyNode {
  name: string;
  dependsOn: readonly string[];
}

export interface DependencyProblem {
  service: string;
  /** Why the service can never start, e.g. "depends on unknown service 'db'". */
  reason: string;
}

export interface DependencyPlan {
  /**
   * Topological levels: level 0 has no dependencies, level n depends only on
   * levels < n. Services in one level can start in parallel. Input order is kept
   * within a level.
   */
  levels: string[][];
  /** Services that can never start (unknown dependency, cycle, or depending on such a service). */
  problems: DependencyProblem[];
}

export function planDependencies(nodes: readonly DependencyNode[]): DependencyPlan {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const problems = new Map<string, string>();

  for (const node of nodes) {
    const unknown = node.dependsOn.filter((d) => !byName.has(d));
    if (unknown.length > 0) {
      problems.set(node.name, unknown.map((d) => `depends on unknown service '${d}'`).join('; '));
    }
  }
  for (const cycle of findCycles(nodes, byName)) {
    const text = `dependency cycle ${[...cycle, cycle[0]].join(' -> ')}`;
    for (const name of cycle) if (!problems.has(name)) problems.set(name, text);
  }

  // Kahn's algorithm by levels; whatever is left over is blocked by a problem.
  const levelOf = new Map<string, number>();
  const levels: string[][] = [];
  let remaining = nodes.filter((n) => !problems.has(n.name));
  while (remaining.length > 0) {
    const level = remaining.filter((n) => n.dependsOn.every((d) => levelOf.has(d)));
    if (level.length === 0) break;
    const index = levels.length;
    for (const n of level) levelOf.set(n.name, index);
    levels.push(level.map((n) => n.name));
    remaining = remaining.filter((n) => !levelOf.has(n.name));
  }
  // Left over: depends (transitively) on a service with a problem. Name the nearest one.
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of remaining) {
      if (problems.has(n.name)) continue;
      const blocker = n.dependsOn.find((d) => problems.has(d));
      if (blocker !== undefined) {
        problems.set(n.name, `depends on '${blocker}', which cannot start`);
        changed = true;
      }
    }
  }
  return {
    levels,
    problems: nodes.filter((n) => problems.has(n.name)).map((n) => ({ service: n.name, reason: problems.get(n.name) ?? '' })),
  };
}

/** Stop order: dependents before their dependencies (reverse levels), then the services that never started. */
export function stopOrder(plan: DependencyPlan): string[][] {
  const order = [...plan.levels].reverse();
  if (plan.problems.length > 0) order.unshift(plan.problems.map((p) => p.service));
  return order;
}

/** Every service that depends on `name`, directly or transitively. */
export function transitiveDependents(nodes: readonly DependencyNode[], name: string): string[] {
  const out = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const n of nodes) {
      if (n.dependsOn.includes(current) && !out.has(n.name) && n.name !== name) {
        out.add(n.name);
        queue.push(n.name);
      }
    }
  }
  return [...out];
}

function findCycles(nodes: readonly DependencyNode[], byName: Map<string, DependencyNode>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const mark = state.get(name);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      cycles.push(stack.slice(stack.indexOf(name)));
      return;
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) if (byName.has(dep)) visit(dep);
    stack.pop();
    state.set(name, 'done');
  };
  for (const n of nodes) visit(n.name);
  return cycles;
}
