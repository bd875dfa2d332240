// Where a routed request goes: the service, its port and the path it is sent.
import type { ProjectState, ServiceState } from '../../shared/state.js';

/** Where a request is going once routing and the service's state allow it. */
export interface UpstreamTarget {
  project: ProjectState;
  service: ServiceState;
  port: number;
  /** Origin-form path + query, raw. */
  path: string;
  /** The matched route prefix; null when the service was addressed by host. */
  route?: string | null;
}
