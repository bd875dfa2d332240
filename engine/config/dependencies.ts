// The service dependency graph: cycles (reported as errors) and the order to start services in.

/**
 * Every distinct cycle reachable in `graph` (name → names it depends on), each as a closed path
 * `[a, b, a]`, starting where the search entered the cycle. Self-loops are included
 * as `[a, a]`; edges to names missing from `graph` are ignored.
 */
export function findDependencyCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const nextState = state.get(next);
      if (nextState === 'active') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const id = [...new Set(cycle)].sort().join('\0');
        if (!seen.has(id)) {
          seen.add(id);
          cycles.push(cycle);
        }
      } else if (nextState === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

/**
 * Services in an order where each comes after everything it depends on, otherwise keeping file order.
 * Services caught in a cycle (which validation rejects) are appended in file order.
 */
export function startOrder<T extends { name: string; dependsOn: readonly string[] }>(services: readonly T[]): T[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const started = new Set<string>();
  const order: T[] = [];
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const service of services) {
      if (started.has(service.name)) continue;
      if (service.dependsOn.every((dep) => started.has(dep) || !byName.has(dep))) {
        started.add(service.name);
        order.push(service);
        progressed = true;
        break; // restart from the top so that file order wins among the ready ones
      }
    }
  }
  for (const service of services) if (!started.has(service.name)) order.push(service);
  return order;
}
