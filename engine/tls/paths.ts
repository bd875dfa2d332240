// Where the local CA lives inside locald's state directory, and what services are told about it.
import { join } from 'node:path';
import { isDnsLabel } from './names.js';

export interface CaPaths {
  dir: string;
  certPath: string;
  keyPath: string;
  lockPath: string;
  leavesDir: string;
}

export function caPaths(home: string): CaPaths {
  const dir = join(home, 'ca');
  return {
    dir,
    certPath: join(dir, 'ca.pem'),
    keyPath: join(dir, 'ca-key.pem'),
    lockPath: join(dir, '.create.lock'),
    leavesDir: join(dir, 'leaves'),
  };
}

/** `label` must already be a validated DNS label: it becomes part of a file name. */
export function leafPaths(home: string, label: string): { certPath: string; keyPath: string } {
  const { leavesDir } = caPaths(home);
  return { certPath: join(leavesDir, `${label}.pem`), keyPath: join(leavesDir, `${label}-key.pem`) };
}

/**
 * The labels a file in the leaves folder may belong to (see leafPaths): `shop.pem` is
 * shop's; `shop-key.pem` is shop's key, or the certificate of a project named `shop-key`.
 * Empty for anything else (temporary files, foreign files).
 */
export function leafLabelsOfFile(fileName: string): string[] {
  if (!fileName.endsWith('.pem')) return [];
  const base = fileName.slice(0, -'.pem'.length);
  const candidates = base.endsWith('-key') ? [base.slice(0, -'-key'.length), base] : [base];
  return candidates.filter(isDnsLabel);
}

/**
 * Environment for services, so Node-based services trust locald's HTTPS (for example when
 * one service calls another through https://<project>.localhost). Open the CA first:
 * Node warns at startup when NODE_EXTRA_CA_CERTS names a missing file.
 */
export function caEnv(home: string): { NODE_EXTRA_CA_CERTS: string } {
  return { NODE_EXTRA_CA_CERTS: caPaths(home).certPath };
}
