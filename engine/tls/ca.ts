// locald's local certificate authority: created on first use in <home>/ca/, then issues
// one leaf certificate per project (`shop.localhost`, `*.shop.localhost`), cached in
// memory and on disk.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { assertKeyPrivate, keepFolderPrivate } from '../private-paths.js';
import { writeFileAtomic } from '../atomic-file.js';
import { readTextIfExists, tryLock } from './files.js';
import { LruMap } from '../../shared/lru.js';
import { labelProblem, leafDnsNames } from './names.js';
import { caPaths, leafLabelsOfFile, leafPaths } from './paths.js';
import { createCaCertificate, issueLeafCertificate, type KeyAndCert } from './x509.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates closer than this to expiry are replaced. */
export const RENEW_BEFORE_DAYS = 30;
const LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 25;
/** Leaves kept in memory; only project names get one, so this is a guard, not a working-set limit. */
export const DEFAULT_MAX_CACHED_LEAVES = 256;

export class CaError extends Error {
  override name = 'CaError';
}

export interface LeafCertificate {
  /** The project label, e.g. "shop". */
  readonly label: string;
  readonly dnsNames: readonly string[];
  readonly certPem: string;
  readonly keyPem: string;
  readonly notAfter: Date;
}

export interface LocalCaOptions {
  /** Clock, for renewal decisions. Defaults to the real time. */
  now?: () => Date;
  /** Problems that do not stop the CA from working (e.g. a leaf could not be cached on disk). */
  onWarning?: (message: string) => void;
  /** How many leaves stay in memory (least recently used forgotten first). */
  maxCachedLeaves?: number;
}

/** How `open` came by its CA. "replaced" means the old one was unusable: the user must trust the new one. */
export type CaOrigin = { kind: 'loaded' } | { kind: 'created' } | { kind: 'replaced'; reason: string };

/** `locald local CA (user@host)`, kept within X.520's 64-character limit for a common name. */
export function defaultCaCommonName(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'user';
  }
  const who = `${user}@${hostname()}`.slice(0, 40);
  return `locald local CA (${who})`;
}

function keyMatchesCert(keyPem: string, cert: X509Certificate): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  const fromCert = cert.publicKey.export({ type: 'spki', format: 'der' });
  return fromKey.equals(fromCert);
}

function expiresSoon(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS;
}

/** Why a stored CA cannot be used, or null when it can. */
function caProblem(pair: KeyAndCert, now: Date): string | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.certPem);
  } catch (err) {
    return `the CA certificate could not be parsed (${(err as Error).message})`;
  }
  if (!cert.ca) return 'the CA certificate is not a CA certificate';
  try {
    if (!keyMatchesCert(pair.keyPem, cert)) return 'the CA key does not belong to the CA certificate';
  } catch (err) {
    return `the CA key could not be read (${(err as Error).message})`;
  }
  if (expiresSoon(cert, now)) return `the CA certificate expires on ${cert.validTo}`;
  return null;
}

/** Why a stored leaf cannot be used, or null when it can. */
function leafProblem(pair: KeyAndCert, ca: X509Certificate, dnsNames: readonly string[], now: Date): string | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.certPem);
  } catch {
    return 'unparsable';
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'issued by another CA';
  if (cert.subjectAltName !== dnsNames.map((n) => `DNS:${n}`).join(', ')) return 'different names';
  if (expiresSoon(cert, now)) return 'expiring';
  try {
    if (!keyMatchesCert(pair.keyPem, cert)) return 'key mismatch';
  } catch {
    return 'unreadable key';
  }
  return null;
}

async function readPair(certPath: string, keyPath: string): Promise<KeyAndCert | null> {
  const [certPem, keyPem] = await Promise.all([readTextIfExists(certPath), readTextIfExists(keyPath)]);
  if (certPem === null || keyPem === null) return null;
  return { certPem, keyPem };
}

/** A usable stored CA, or why there is none (problem null: nothing stored yet). */
async function readStoredCa(
  certPath: string,
  keyPath: string,
  now: Date,
): Promise<{ pair: KeyAndCert; problem: null } | { pair: null; problem: string | null }> {
  const [certPem, keyPem] = await Promise.all([readTextIfExists(certPath), readTextIfExists(keyPath)]);
  if (certPem === null && keyPem === null) return { pair: null, problem: null };
  if (certPem === null) return { pair: null, problem: `the CA certificate ${certPath} is missing` };
  if (keyPem === null) return { pair: null, problem: `the CA key ${keyPath} is missing` };
  const problem = caProblem({ certPem, keyPem }, now);
  return problem === null ? { pair: { certPem, keyPem }, problem: null } : { pair: null, problem };
}

async function writePair(certPath: string, keyPath: string, pair: KeyAndCert): Promise<void> {
  // Key first: a crash in between leaves a cert that does not match its key, which the
  // next load detects and repairs. The other order could leave a new cert with an old key too.
  await writeFileAtomic(keyPath, pair.keyPem, { mode: 0o600, createParent: true });
  await writeFileAtomic(certPath, pair.certPem, { mode: 0o644, createParent: true });
}

export class LocalCa {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly certificate: X509Certificate;
  readonly origin: CaOrigin;
  private readonly keyPem: string;
  private readonly now: () => Date;
  private readonly warn: (message: string) => void;
  private readonly leaves: LruMap<string, LeafCertificate>;
  private readonly pending = new Map<string, Promise<LeafCertificate>>();

  private constructor(
    readonly home: string,
    pair: KeyAndCert,
    origin: CaOrigin,
    options: LocalCaOptions,
  ) {
    const paths = caPaths(home);
    this.certPath = paths.certPath;
    this.keyPath = paths.keyPath;
    this.certPem = pair.certPem;
    this.keyPem = pair.keyPem;
    this.certificate = new X509Certificate(pair.certPem);
    this.origin = origin;
    this.now = options.now ?? (() => new Date());
    this.warn = options.onWarning ?? (() => undefined);
    this.leaves = new LruMap(options.maxCachedLeaves ?? DEFAULT_MAX_CACHED_LEAVES);
  }

  /**
   * Loads the CA from `<home>/ca/`, creating it on first use. Safe against concurrent first
   * use by several processes: one creates it under an O_EXCL lock, the others wait and read it.
   */
  static async open(home: string, options: LocalCaOptions = {}): Promise<LocalCa> {
    const now = options.now ?? (() => new Date());
    const paths = caPaths(home);
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    keepFolderPrivate(paths.dir, options.onWarning ?? (() => undefined), 'use a state folder of your own (--home or LOCALD_HOME)');
    // A key others could read may be known to them: never sign with it, and do not replace it
    // quietly either (the old CA would stay trusted); the user removes it, and untrusts it.
    const keyAdvice = `locald will not use it. Run \`locald ca --uninstall\`, remove ${paths.dir}, and start locald again for a new CA`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const stored = await readStoredCa(paths.certPath, paths.keyPath, now());
      if (stored.pair !== null) {
        assertKeyPrivate(paths.keyPath, keyAdvice);
        return new LocalCa(home, stored.pair, { kind: 'loaded' }, options);
      }

      const release = await tryLock(paths.lockPath);
      if (release !== null) {
        try {
          // Someone may have finished creating it between our read and our lock. Under the
          // lock nobody writes, so a problem seen now is real, not a creation in progress.
          const again = await readStoredCa(paths.certPath, paths.keyPath, now());
          if (again.pair !== null) {
            assertKeyPrivate(paths.keyPath, keyAdvice);
            return new LocalCa(home, again.pair, { kind: 'loaded' }, options);
          }
          const reason = again.problem;
          const created = await createCaCertificate({ commonName: defaultCaCommonName(), now: now() });
          await writePair(paths.certPath, paths.keyPath, created);
          return new LocalCa(home, created, reason === null ? { kind: 'created' } : { kind: 'replaced', reason }, options);
        } finally {
          await release();
        }
      }
      if (Date.now() > deadline) {
        throw new CaError(`timed out waiting for another locald process to create the CA (lock file ${paths.lockPath})`);
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }

  /** SHA-256 fingerprint, colon-separated hex, as Node prints it. */
  get fingerprint256(): string {
    return this.certificate.fingerprint256;
  }

  /** SHA-1 thumbprint as bare uppercase hex: how macOS `security` and Windows `certutil` name a certificate. */
  get sha1(): string {
    return this.certificate.fingerprint.replaceAll(':', '').toUpperCase();
  }

  get commonName(): string {
    return /(?:^|\n)CN=([^\n]*)/.exec(this.certificate.subject)?.[1] ?? '';
  }

  /**
   * The leaf for project `label` (a DNS label such as "shop"), covering `shop.localhost`
   * and `*.shop.localhost`. Served from memory, else from disk, else issued; replaced when
   * it expires within RENEW_BEFORE_DAYS, was issued by another CA, or no longer matches.
   */
  async leafFor(label: string): Promise<LeafCertificate> {
    const problem = labelProblem(label);
    if (problem !== null) throw new CaError(problem);
    const cached = this.leaves.get(label);
    if (cached !== undefined && cached.notAfter.getTime() - this.now().getTime() >= RENEW_BEFORE_DAYS * DAY_MS) return cached;
    const inFlight = this.pending.get(label);
    if (inFlight !== undefined) return inFlight;
    const loading = this.loadOrIssue(label).finally(() => this.pending.delete(label));
    this.pending.set(label, loading);
    const leaf = await loading;
    this.leaves.set(label, leaf);
    return leaf;
  }

  /**
   * Deletes the stored leaves (cert and key) of every label `keep` rejects, and forgets
   * them in memory. Leaves are only issued for projects, but earlier versions issued one
   * for any `<name>.localhost` a client asked for. Returns how many files were removed;
   * never throws.
   */
  async pruneLeaves(keep: (label: string) => boolean): Promise<number> {
    const { leavesDir } = caPaths(this.home);
    let files: string[];
    try {
      files = await readdir(leavesDir);
    } catch (err) {
      // Best effort: an unreadable folder costs disk space, never the start of locald.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`could not list ${leavesDir} to remove unused certificates: ${(err as Error).message}`);
      return 0;
    }
    let removed = 0;
    for (const file of files) {
      const labels = leafLabelsOfFile(file);
      if (labels.length === 0 || labels.some(keep)) continue;
      for (const label of labels) this.leaves.delete(label);
      try {
        await unlink(join(leavesDir, file));
        removed++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`could not remove the unused certificate ${file}: ${(err as Error).message}`);
      }
    }
    return removed;
  }

  private async loadOrIssue(label: string): Promise<LeafCertificate> {
    const dnsNames = leafDnsNames(label);
    const paths = leafPaths(this.home, label);
    let stored: KeyAndCert | null = null;
    try {
      stored = await readPair(paths.certPath, paths.keyPath);
    } catch (err) {
      this.warn(`could not read the cached certificate for ${label}.localhost: ${(err as Error).message}`);
    }
    if (stored !== null && leafProblem(stored, this.certificate, dnsNames, this.now()) === null) {
      return toLeaf(label, dnsNames, stored);
    }
    const issued = await issueLeafCertificate({ certPem: this.certPem, keyPem: this.keyPem }, { dnsNames, now: this.now() });
    try {
      await writePair(paths.certPath, paths.keyPath, issued);
    } catch (err) {
      // The certificate works from memory; only the cache across restarts is lost.
      this.warn(`could not cache the certificate for ${label}.localhost on disk: ${(err as Error).message}`);
    }
    return toLeaf(label, dnsNames, issued);
  }
}

function toLeaf(label: string, dnsNames: readonly string[], pair: KeyAndCert): LeafCertificate {
  const notAfter = new Date(new X509Certificate(pair.certPem).validTo);
  return { label, dnsNames, certPem: pair.certPem, keyPem: pair.keyPem, notAfter };
}

export interface CaInfo {
  certPath: string;
  exists: boolean;
  subject?: string;
  fingerprint256?: string;
  validTo?: string;
}

/** What `locald ca` prints: where the CA certificate is, and which one it is, without creating it. */
export async function caInfo(home: string): Promise<CaInfo> {
  const { certPath } = caPaths(home);
  const pem = await readTextIfExists(certPath);
  if (pem === null) return { certPath, exists: false };
  try {
    const cert = new X509Certificate(pem);
    return { certPath, exists: true, subject: cert.subject, fingerprint256: cert.fingerprint256, validTo: cert.validTo };
  } catch {
    return { certPath, exists: true };
  }
}
