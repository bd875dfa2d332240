// The exact commands that add locald's CA to (or remove it from) the trust stores of each
// OS. Pure: detection and execution live in trust-run.ts, so that tests can check every
// platform's commands here, on any platform.
import { posix } from 'node:path';

export type TrustPlatform = 'darwin' | 'win32' | 'linux';
export type TrustAction = 'install' | 'uninstall';

/** Linux system CA stores we know how to update, by their distribution family. */
export type LinuxSystemStore = 'debian' | 'fedora' | 'arch' | 'opensuse';

export interface TrustStep {
  /** The store, as the report names it: "macOS login keychain", "NSS database ~/.pki/nssdb". */
  store: string;
  /** Commands run in order (argv, no shell); the step stops at the first that fails. */
  commands: string[][];
  /** Needs administrator rights: run as root or through `sudo -n`, otherwise printed for the user. */
  needsRoot: boolean;
  /** The program that must be installed for this step, and what provides it when it is not. */
  requires: { program: string; hint: string };
  /** Uninstall: run the commands only when this succeeds (the CA is in this store); otherwise skip. */
  onlyIf?: string[];
}

export interface TrustOptions {
  action: TrustAction;
  /** SHA-1 thumbprint, bare hex: how macOS `security` and Windows `certutil` identify the certificate. */
  caSha1: string;
  /** The CA's common name; also its NSS nickname (NSS requires one nickname per subject). */
  caName: string;
  /** The user's home directory (for the macOS login keychain). */
  userHome: string;
  /** Linux: the system store found on this machine, if any. */
  linuxSystemStore?: LinuxSystemStore | null;
  /** NSS databases (directories holding cert9.db): Chromium's ~/.pki/nssdb and Firefox profiles. */
  nssDatabases?: readonly string[];
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
  return (opts.nssDatabases ?? []).map((dir) => ({
    store: `NSS database ${dir}`,
    commands: [
      opts.action === 'install'
        ? // C,, : a trusted CA for TLS servers only (not e-mail or code signing).
          ['certutil', '-d', `sql:${dir}`, '-A', '-t', 'C,,', '-n', opts.caName, '-i', caPath]
        : ['certutil', '-d', `sql:${dir}`, '-D', '-n', opts.caName],
    ],
    needsRoot: false,
    requires: { program: 'certutil', hint: nssHint(platform) },
    ...(opts.action === 'uninstall' ? { onlyIf: ['certutil', '-d', `sql:${dir}`, '-L', '-n', opts.caName] } : {}),
  }));
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
          ...(install ? {} : { onlyIf: ['test', '-e', layout.anchor] }),
        });
      }
      return [...steps, ...nssSteps(platform, caPath, opts)];
    }
  }
}

/** Candidate NSS databases for a user: Chromium's shared database and Firefox profiles' parent folders. */
export function nssProfileRoots(platform: TrustPlatform, userHome: string): { shared: string[]; firefoxRoots: string[] } {
  switch (platform) {
    case 'linux':
      return {
        shared: [posix.join(userHome, '.pki', 'nssdb')],
        firefoxRoots: [
          posix.join(userHome, '.mozilla', 'firefox'),
          posix.join(userHome, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
          posix.join(userHome, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'),
        ],
      };
    case 'darwin':
      return { shared: [], firefoxRoots: [posix.join(userHome, 'Library', 'Application Support', 'Firefox', 'Profiles')] };
    case 'win32':
      return { shared: [], firefoxRoots: [] };
  }
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
