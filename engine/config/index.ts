// Config loading: locald.toml and zero-config folders → ProjectConfig (see shared/config.ts).
export { parseProjectConfig } from './parse.js';
export { loadProject } from './load.js';
export { detectZeroConfig } from './zero-config.js';
export { packageJsonScript, parseProcfile, projectFromPackageScript, projectFromProcfile } from './zero-config-build.js';
export type { PackageScript, ProcfileEntry } from './zero-config-build.js';
export { findDuplicateProjectNames } from './duplicates.js';
export { findDependencyCycles, startOrder } from './dependencies.js';
export { normalizePrefix } from './validate-routes.js';
export { editDistance, suggestNearest } from './suggest.js';
export { isDnsLabel, sanitizeDnsLabel } from './dns.js';
export { CONFIG_FILE_NAME } from './schema.js';
