// The desktop shell's "show this project/service" (the tray's Show in Inspector, a failure
// notification's click) as filter text. An open window gets it over IPC; a window the
// shell opens for it gets it in its URL (?project=&service=), read once at start.
import type { InspectorFilter } from '../../../shared/desktop.js';

export function inspectorFilterText(filter: InspectorFilter): string {
  const terms = [filter.project !== undefined ? `project:${filter.project}` : '', filter.service !== undefined ? `service:${filter.service}` : ''];
  return terms.filter((term) => term !== '').join(' ');
}

/** The filter in a window URL's query, or null when it names none. */
export function inspectorFilterFromSearch(search: string): InspectorFilter | null {
  const params = new URLSearchParams(search);
  const project = params.get('project');
  const service = params.get('service');
  if (project === null && service === null) return null;
  return { ...(project !== null ? { project } : {}), ...(service !== null ? { service } : {}) };
}
