// Public surface of locald's TLS: the local CA, SNI, trust stores, and `locald ca`.
// (paths.ts alone is enough for caEnv/caPaths and does not load the X.509 library.)
export { LocalCa, CaError, caInfo, RENEW_BEFORE_DAYS, DEFAULT_MAX_CACHED_LEAVES, type CaInfo, type CaOrigin, type LeafCertificate, type LocalCaOptions } from './ca.js';
export { caEnv, caPaths, leafLabelsOfFile, leafPaths, type CaPaths } from './paths.js';
export {
  createSniCallback,
  secureContextFor,
  secureServerOptions,
  DASHBOARD_LABEL,
  DEFAULT_MAX_CACHED_CONTEXTS,
  type KnownProjects,
  type SecureServerOptions,
  type SniCallback,
  type SniOptions,
} from './sni.js';
export { LruMap } from '../../shared/lru.js';
export { labelForServername, labelProblem, isDnsLabel, leafDnsNames, type ServernameMatch } from './names.js';
export { trustCommands, formatCommand, type TrustAction, type TrustOptions, type TrustPlatform, type TrustStep, type LinuxSystemStore } from './trust.js';
export {
  changeCaTrust,
  uninstallCa,
  runTrustSteps,
  detectTrustTargets,
  formatTrustOutcome,
  type TrustOutcome,
  type TrustReport,
  type TrustRunOptions,
} from './trust-run.js';
export { caCommand, installCa, type CaAction } from './command.js';
export { CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS } from './x509.js';
