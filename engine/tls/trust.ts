// The exact commands that add locald's CA to (or remove it from) the trust stores of each
// OS. Pure: detection and execution live in trust-run.ts, so that tests can check every
// platform's commands here, on any platform.
import { posix } from 'node:path';

export type TrustPlatform = 'darwin' | 'win32' | 'linux';
export type TrustAction = 'install' | 'uninstall';

/** Linux system CA stores we know how to update, by their distribution family. */
export type LinuxSystemStore = 'debian' | 'fedora' | 'arch' | 'opensuse';

export interface TrustStep {
  /** The store, as the report names it: "macOS login keychain", "NSS database ~/.pki/nssdb (Chromium)". */
  store: string;
  /** Commands run in order (argv, no shell); the step stops at the first that fails. */
  commands: string[][];
  /** Needs administrator rights: run as root or through `sudo -n`, otherwise printed for the user. */
  needsRoot: boolean;
  /** The program that must be installed for this step, and what provides it when it is not. */
  requires: { program: string; hint: string };
  /** Uninstall: run the commands only when this succeeds (the CA is in this store); otherwise skip. */
  onlyIf?: string[];
  /**
   * Install: the CA is already there when this command succeeds and (if set) its output, without
   * whitespace, contains `outputHas` (the certificate itself, not only its nickname).
   */
  presentIf?: { command: string[]; outputHas?: string };
  /** Nothing can be done here yet: the step is reported as skipped for this reason. */
  skip?: string;
  /** The browsers that read this store, for "… will still not trust it" when the step does not succeed. */
  browsers?: string;
}

/** One NSS database to change, or a browser whose database cannot be reached yet (and why). */
export type NssTarget =
  | { kind: 'database'; dir: string; browsers: string; create: boolean }
  | { kind: 'unreachable'; browsers: string; reason: string };

export interface TrustOptions {
  action: TrustAction;
  /** SHA-1 thumbprint, bare hex: how macOS `security` and Windows `certutil` identify the certificate. */
  caSha1: string;
  /** The CA's common name; also its NSS nickname (NSS requires one nickname per subject). */
  caName: string;
  /** The CA certificate, DER in base64: how an NSS listing shows that this exact certificate is there. */
  caBase64?: string;
  /** The user's home directory (for the macOS login keychain). */
  userHome: string;
  /** Linux: the system store found on this machine, if any. */
  linuxSystemStore?: LinuxSystemStore | null;
  /** NSS databases (Chromium's, Firefox profiles') and browsers that cannot be reached yet: see planNssTargets. */
  nss?: readonly NssTarget[];
}

interface SystemStoreLayout {
  label: string;
  anchor: string;
  refresh: string[];
  refreshAfterRemove: string[];
  program: string;
}

/** One file name, so reinstalling replaces our previous CA instead of adding another. */
const LINUX_STORES: Record<LinuxSystemStore, SystemStoreLayout> = {
  debian: {
    label: 'Debian/Ubuntu',
    anchor: '/usr/local/share/ca-certificates/locald.crt',
    refresh: ['update-ca-certificates'],
    refreshAfterRemove: ['update-ca-certificates', '--fresh'],
    program: 'update-ca-certificates',
  },
  fedora: {
    label: 'Fedora/RHEL',
    anchor: '/etc/pki/ca-trust/source/anchors/locald.pem',
    refresh: ['update-ca-trust', 'extract'],
    refreshAfterRemove: ['update-ca-trust', 'extract'],
    program: 'update-ca-trust',
  },
  arch: {
    label: 'Arch',
    anchor: '/etc/ca-certificates/trust-source/anchors/locald.crt',
    refresh: ['trust', 'extract-compat'],
    refreshAfterRemove: ['trust', 'extract-compat'],
    program: 'trust',
  },
  opensuse: {
    label: 'openSUSE',
    anchor: '/usr/share/pki/trust/anchors/locald.pem',
    refresh: ['update-ca-certificates'],
    refreshAfterRemove: ['update-ca-certificates'],
    program: 'update-ca-certificates',
  },
};

/** Directories whose presence identifies each Linux system store, checked in this order. */
export const LINUX_STORE_MARKERS: ReadonlyArray<[LinuxSystemStore, string]> = [
  ['debian', '/usr/local/share/ca-certificates'],
  ['fedora', '/etc/pki/ca-trust/source/anchors'],
  ['arch', '/etc/ca-certificates/trust-source/anchors'],
  ['opensuse', '/usr/share/pki/trust/anchors'],
];

export function macLoginKeychain(userHome: string): string {
  return posix.join(userHome, 'Library', 'Keychains', 'login.keychain-db');
}

function nssHint(platform: TrustPlatform): string {
  return platform === 'darwin' ? 'brew install nss' : 'install libnss3-tools (Debian/Ubuntu) or nss-tools (Fedora)';
}

function nssSteps(platform: TrustPlatform, caPath: string, opts: TrustOptions): TrustStep[] {
  const install = opts.action === 'install';
  const requires = { program: 'certutil', hint: nssHint(platform) };
  return (opts.nss ?? []).flatMap((target): TrustStep[] => {
    if (target.kind === 'unreachable') {
      // Nothing to take out of a database that does not exist.
      return install ? [{ store: target.browsers, commands: [], needsRoot: false, requires, skip: target.reason, browsers: target.browsers }] : [];
    }
    const db = `sql:${target.dir}`;
    const store = `NSS database ${target.dir} (${target.browsers})`;
    if (!install) {
      return [{ store, commands: [['certutil', '-d', db, '-D', '-n', opts.caName]], needsRoot: false, requires, onlyIf: ['certutil', '-d', db, '-L', '-n', opts.caName] }];
    }
    // As mkcert does: Chromium creates ~/.pki/nssdb only when it first runs, and reads it at startup.
    const create = target.create
      ? [
          ['mkdir', '-p', '-m', '0700', target.dir],
          ['certutil', '-d', db, '-N', '--empty-password'],
        ]
      : [];
    return [
      {
        store,
        // C,, : a trusted CA for TLS servers only (not e-mail or code signing).
        commands: [...create, ['certutil', '-d', db, '-A', '-t', 'C,,', '-n', opts.caName, '-i', caPath]],
        needsRoot: false,
        requires,
        browsers: target.browsers,
        ...(target.create ? {} : { presentIf: { command: ['certutil', '-d', db, '-L', '-n', opts.caName, '-a'], ...(opts.caBase64 === undefined ? {} : { outputHas: opts.caBase64 }) } }),
      },
    ];
  });
}

/**
 * The steps that trust (or stop trusting) the CA at `caPath` on `platform`. Each user-level
 * store is changed through the OS's own tool, which shows the OS's own confirmation
 * (macOS asks for the login password; Windows shows its root-certificate warning).
 */
export function trustCommands(platform: TrustPlatform, caPath: string, opts: TrustOptions): TrustStep[] {
  const install = opts.action === 'install';
  switch (platform) {
    case 'darwin': {
      const keychain = macLoginKeychain(opts.userHome);
      const keychainStep: TrustStep = {
        store: 'macOS login keychain',
        commands: [
          install
            ? // The user's trust domain (no -d): no sudo, and only this user trusts the CA.
              ['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', keychain, caPath]
            : // -t removes the user trust settings too; -Z matches this exact certificate, not every CA with our name.
              ['security', 'delete-certificate', '-t', '-Z', opts.caSha1, keychain],
        ],
        needsRoot: false,
        requires: { program: 'security', hint: 'part of macOS' },
      };
      return [keychainStep, ...nssSteps(platform, caPath, opts)];
    }
    case 'win32': {
      // Firefox on Windows reads this store too (security.enterprise_roots.enabled), so no NSS step.
      return [
        {
          store: 'Windows current-user Root store',
          commands: [
            install
              ? ['certutil', '-user', '-addstore', 'Root', caPath]
              : ['certutil', '-user', '-delstore', 'Root', opts.caSha1],
          ],
          needsRoot: false,
          requires: { program: 'certutil', hint: 'part of Windows' },
        },
      ];
    }
    case 'linux': {
      const steps: TrustStep[] = [];
      const kind = opts.linuxSystemStore ?? null;
      if (kind !== null) {
        const layout = LINUX_STORES[kind];
        steps.push({
          store: `system store (${layout.label})`,
          commands: install ? [['cp', caPath, layout.anchor], layout.refresh] : [['rm', '-f', layout.anchor], layout.refreshAfterRemove],
          needsRoot: true,
          requires: { program: layout.program, hint: `the ${layout.label} CA certificates package` },
          ...(install ? { presentIf: { command: ['cmp', '-s', caPath, layout.anchor] } } : { onlyIf: ['test', '-e', layout.anchor] }),
        });
      }
      return [...steps, ...nssSteps(platform, caPath, opts)];
    }
  }
}

/** Where each platform's browsers keep their NSS databases; detection checks which of these exist. */
export interface NssLayout {
  /** Chromium's shared database: created when missing. */
  chromium: string[];
  /** Snap Chromium: its database, the folder that shows the snap has run, and its launcher. */
  snapChromium: { db: string; ran: string; program: string } | null;
  /** Folders holding one folder per Firefox profile (plain, snap, flatpak). */
  firefoxRoots: string[];
  /** Files that show Firefox is installed even before it has created a profile. */
  firefoxPrograms: string[];
}

export function nssLayout(platform: TrustPlatform, userHome: string): NssLayout {
  const j = posix.join;
  switch (platform) {
    case 'linux':
      return {
        chromium: [j(userHome, '.pki', 'nssdb')],
        snapChromium: { db: j(userHome, 'snap', 'chromium', 'current', '.pki', 'nssdb'), ran: j(userHome, 'snap', 'chromium', 'current'), program: '/snap/bin/chromium' },
        firefoxRoots: [
          j(userHome, '.mozilla', 'firefox'),
          j(userHome, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
          j(userHome, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'),
        ],
        firefoxPrograms: ['/usr/bin/firefox', '/usr/bin/firefox-esr', '/snap/bin/firefox', '/var/lib/flatpak/exports/bin/org.mozilla.firefox'],
      };
    case 'darwin':
      return {
        chromium: [],
        snapChromium: null,
        firefoxRoots: [j(userHome, 'Library', 'Application Support', 'Firefox', 'Profiles')],
        firefoxPrograms: ['/Applications/Firefox.app'],
      };
    case 'win32':
      // Chrome and Firefox on Windows read the Windows store.
      return { chromium: [], snapChromium: null, firefoxRoots: [], firefoxPrograms: [] };
  }
}

/** What detection saw on disk: which paths of the layout exist, and each Firefox root's profiles. */
export interface NssFacts {
  /** Paths from the layout that exist; a database counts when `<dir>/cert9.db` is listed. */
  existing: ReadonlySet<string>;
  /** Each Firefox root that exists, with its profile folders that hold a cert9.db, sorted. */
  firefoxProfiles: ReadonlyMap<string, readonly string[]>;
}

/**
 * Which NSS databases to change. Install creates Chromium's database when it is missing
 * (Chromium reads it at startup, but creates it only when it first runs), and the snap's
 * once the snap has run; it never creates Firefox profiles, and says so when there is none.
 * Uninstall touches only databases that exist.
 */
export function planNssTargets(layout: NssLayout, facts: NssFacts, action: TrustAction): NssTarget[] {
  const install = action === 'install';
  const hasDb = (dir: string) => facts.existing.has(posix.join(dir, 'cert9.db'));
  const targets: NssTarget[] = [];
  for (const dir of layout.chromium) {
    if (hasDb(dir) || install) targets.push({ kind: 'database', dir, browsers: 'Chromium', create: !hasDb(dir) });
  }
  const snap = layout.snapChromium;
  if (snap !== null) {
    if (hasDb(snap.db)) targets.push({ kind: 'database', dir: snap.db, browsers: 'Chromium (snap)', create: false });
    else if (install && facts.existing.has(snap.ran)) targets.push({ kind: 'database', dir: snap.db, browsers: 'Chromium (snap)', create: true });
    else if (install && facts.existing.has(snap.program)) {
      targets.push({ kind: 'unreachable', browsers: 'Chromium (snap)', reason: 'the snap has not run yet; start Chromium once, then run this again' });
    }
  }
  const profiles = layout.firefoxRoots.flatMap((root) => facts.firefoxProfiles.get(root) ?? []);
  for (const dir of profiles) targets.push({ kind: 'database', dir, browsers: 'Firefox', create: false });
  const firefoxInstalled = layout.firefoxRoots.some((root) => facts.firefoxProfiles.has(root)) || layout.firefoxPrograms.some((p) => facts.existing.has(p));
  if (install && profiles.length === 0 && firefoxInstalled) {
    targets.push({ kind: 'unreachable', browsers: 'Firefox', reason: 'no Firefox profile yet; start Firefox once, then run this again' });
  }
  return targets;
}

/** A command as a user would type it in a POSIX shell (for reports and "run this yourself"). */
export function formatCommand(argv: readonly string[], platform: TrustPlatform = 'linux'): string {
  return argv
    .map((arg) => {
      if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
      return platform === 'win32' ? `"${arg.replaceAll('"', '\\"')}"` : `'${arg.replaceAll("'", `'\\''`)}'`;
    })
    .join(' ');
}
