import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatCommand, macLoginKeychain, nssProfileRoots, trustCommands, type TrustOptions } from '../../engine/tls/trust.js';
import { programExists, runTrustSteps } from '../../engine/tls/trust-run.js';
import type { TrustStep } from '../../engine/tls/trust.js';

const SHA1 = '0123456789ABCDEF0123456789ABCDEF01234567';
const NAME = 'locald local CA (ada@laptop)';

function opts(action: 'install' | 'uninstall', extra: Partial<TrustOptions> = {}): TrustOptions {
  return { action, caSha1: SHA1, caName: NAME, userHome: '/Users/ada', ...extra };
}

describe('trustCommands: macOS', () => {
  test('install adds the CA to the login keychain as a trusted root, without sudo', () => {
    const steps = trustCommands('darwin', '/Users/ada/.locald/ca/ca.pem', opts('install'));
    assert.deepEqual(steps, [
      {
        store: 'macOS login keychain',
        commands: [
          ['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', '/Users/ada/Library/Keychains/login.keychain-db', '/Users/ada/.locald/ca/ca.pem'],
        ],
        needsRoot: false,
        requires: { program: 'security', hint: 'part of macOS' },
      },
    ]);
  });

  test('uninstall deletes exactly this certificate (by SHA-1) and its trust settings', () => {
    const steps = trustCommands('darwin', '/x/ca.pem', opts('uninstall'));
    assert.deepEqual(steps.map((s) => s.commands), [
      [['security', 'delete-certificate', '-t', '-Z', SHA1, '/Users/ada/Library/Keychains/login.keychain-db']],
    ]);
    assert.equal(macLoginKeychain('/Users/bo'), '/Users/bo/Library/Keychains/login.keychain-db');
  });

  test('Firefox profiles get an NSS step when present', () => {
    const profile = '/Users/ada/Library/Application Support/Firefox/Profiles/abc.default';
    const steps = trustCommands('darwin', '/x/ca.pem', opts('install', { nssDatabases: [profile] }));
    assert.equal(steps.length, 2);
    assert.deepEqual(steps[1]?.commands, [['certutil', '-d', `sql:${profile}`, '-A', '-t', 'C,,', '-n', NAME, '-i', '/x/ca.pem']]);
    assert.equal(steps[1]?.requires.hint, 'brew install nss');
  });
});

describe('trustCommands: Windows', () => {
  test('install and uninstall use the current user\'s Root store (no administrator needed)', () => {
    const path = 'C:\\Users\\ada\\AppData\\Roaming\\locald\\ca\\ca.pem';
    const install = trustCommands('win32', path, opts('install', { nssDatabases: ['ignored'] }));
    assert.deepEqual(install.map((s) => [s.store, s.commands, s.needsRoot]), [
      ['Windows current-user Root store', [['certutil', '-user', '-addstore', 'Root', path]], false],
    ]);
    const uninstall = trustCommands('win32', path, opts('uninstall'));
    assert.deepEqual(uninstall.map((s) => s.commands), [[['certutil', '-user', '-delstore', 'Root', SHA1]]]);
  });
});

describe('trustCommands: Linux', () => {
  test('Debian: copy into ca-certificates and update, as root; then each NSS database', () => {
    const steps = trustCommands('linux', '/home/ada/.locald/ca/ca.pem', opts('install', {
      userHome: '/home/ada',
      linuxSystemStore: 'debian',
      nssDatabases: ['/home/ada/.pki/nssdb', '/home/ada/.mozilla/firefox/x1.default-release'],
    }));
    assert.deepEqual(steps.map((s) => [s.store, s.commands, s.needsRoot]), [
      [
        'system store (Debian/Ubuntu)',
        [['cp', '/home/ada/.locald/ca/ca.pem', '/usr/local/share/ca-certificates/locald.crt'], ['update-ca-certificates']],
        true,
      ],
      [
        'NSS database /home/ada/.pki/nssdb',
        [['certutil', '-d', 'sql:/home/ada/.pki/nssdb', '-A', '-t', 'C,,', '-n', NAME, '-i', '/home/ada/.locald/ca/ca.pem']],
        false,
      ],
      [
        'NSS database /home/ada/.mozilla/firefox/x1.default-release',
        [['certutil', '-d', 'sql:/home/ada/.mozilla/firefox/x1.default-release', '-A', '-t', 'C,,', '-n', NAME, '-i', '/home/ada/.locald/ca/ca.pem']],
        false,
      ],
    ]);
  });

  test('Fedora: anchors + update-ca-trust extract', () => {
    const [step] = trustCommands('linux', '/c.pem', opts('install', { linuxSystemStore: 'fedora' }));
    assert.deepEqual(step?.commands, [['cp', '/c.pem', '/etc/pki/ca-trust/source/anchors/locald.pem'], ['update-ca-trust', 'extract']]);
    assert.equal(step?.requires.program, 'update-ca-trust');
  });

  test('uninstall removes only what install added, and checks first that it is there', () => {
    const steps = trustCommands('linux', '/c.pem', opts('uninstall', { linuxSystemStore: 'debian', nssDatabases: ['/h/.pki/nssdb'] }));
    assert.deepEqual(steps.map((s) => [s.onlyIf, s.commands]), [
      [['test', '-e', '/usr/local/share/ca-certificates/locald.crt'], [['rm', '-f', '/usr/local/share/ca-certificates/locald.crt'], ['update-ca-certificates', '--fresh']]],
      [['certutil', '-d', 'sql:/h/.pki/nssdb', '-L', '-n', NAME], [['certutil', '-d', 'sql:/h/.pki/nssdb', '-D', '-n', NAME]]],
    ]);
  });

  test('no system store and no NSS database: nothing to do', () => {
    assert.deepEqual(trustCommands('linux', '/c.pem', opts('install')), []);
  });

  test('NSS candidates: Chromium\'s shared database and Firefox (plain, snap, flatpak)', () => {
    assert.deepEqual(nssProfileRoots('linux', '/home/ada'), {
      shared: ['/home/ada/.pki/nssdb'],
      firefoxRoots: [
        '/home/ada/.mozilla/firefox',
        '/home/ada/snap/firefox/common/.mozilla/firefox',
        '/home/ada/.var/app/org.mozilla.firefox/.mozilla/firefox',
      ],
    });
    assert.deepEqual(nssProfileRoots('win32', 'C:\\Users\\ada'), { shared: [], firefoxRoots: [] });
  });
});

describe('formatCommand', () => {
  test('quotes only what a shell would split or expand', () => {
    assert.equal(formatCommand(['certutil', '-t', 'C,,', '-n', NAME]), `certutil -t C,, -n 'locald local CA (ada@laptop)'`);
    assert.equal(formatCommand(['echo', "it's"]), `echo 'it'\\''s'`);
    assert.equal(formatCommand(['certutil', '-addstore', 'Root', 'C:\\Program Files\\x.pem'], 'win32'), 'certutil -addstore Root "C:\\Program Files\\x.pem"');
  });
});

// The executor runs real programs (sh, true); only the questions "is this installed" and
// "am I root" are answered by the test, so each branch is reachable on any machine.
describe('runTrustSteps', { skip: process.platform === 'win32' ? 'uses sh' : false }, () => {
  const step = (store: string, commands: string[][], extra: Partial<TrustStep> = {}): TrustStep => ({
    store,
    commands,
    needsRoot: false,
    requires: { program: 'sh', hint: 'a shell' },
    ...extra,
  });

  test('reports ok, the stderr of a failure, and keeps going after it', async () => {
    const reports = await runTrustSteps(
      [
        step('first', [['sh', '-c', 'exit 0'], ['true']]),
        step('second', [['sh', '-c', 'echo "certutil: could not add: SEC_ERROR_READ_ONLY" >&2; exit 3'], ['true']]),
        step('third', [['true']]),
      ],
      'linux',
    );
    assert.deepEqual(reports.map((r) => r.status), ['ok', 'failed', 'ok']);
    assert.equal(reports[0]?.detail, `ran sh -c 'exit 0' && true: ok`);
    assert.equal(
      reports[1]?.detail,
      `failed: sh -c 'echo "certutil: could not add: SEC_ERROR_READ_ONLY" >&2; exit 3': certutil: could not add: SEC_ERROR_READ_ONLY`,
    );
    assert.equal(reports[1]?.commands.length, 1, 'stopped at the failing command');
  });

  test('a program that cannot be started is a failure with its reason', async () => {
    const [report] = await runTrustSteps([step('gone', [['locald-no-such-program-xyz']])], 'linux');
    assert.equal(report?.status, 'failed');
    assert.match(report?.detail ?? '', /ENOENT/);
  });

  test('a missing tool skips the step and says what provides it', async () => {
    const [report] = await runTrustSteps(
      [step('NSS database /x', [['certutil', '-A']], { requires: { program: 'certutil', hint: 'install libnss3-tools' } })],
      'linux',
      { hasProgram: async (p) => p !== 'certutil' },
    );
    assert.deepEqual(report, {
      store: 'NSS database /x',
      status: 'skipped',
      detail: 'skipped: certutil is not installed (install libnss3-tools)',
      commands: ['certutil -A'],
    });
  });

  test('a step that needs root, without root or sudo, is skipped with the commands to run', async () => {
    const steps = trustCommands('linux', '/home/ada/ca.pem', opts('install', { linuxSystemStore: 'debian' }));
    const [report] = await runTrustSteps(steps, 'linux', { isRoot: false, hasProgram: async (p) => p !== 'sudo' });
    assert.equal(report?.status, 'skipped');
    assert.equal(report?.detail, 'skipped: needs administrator rights; run these commands yourself');
    assert.deepEqual(report?.commands, ['sudo cp /home/ada/ca.pem /usr/local/share/ca-certificates/locald.crt', 'sudo update-ca-certificates']);
  });

  test('onlyIf: a store without the CA is skipped on uninstall', async () => {
    const [absent, present] = await runTrustSteps(
      [step('absent', [['sh', '-c', 'exit 9']], { onlyIf: ['sh', '-c', 'exit 1'] }), step('present', [['true']], { onlyIf: ['true'] })],
      'linux',
    );
    assert.deepEqual([absent?.status, absent?.detail], ['skipped', 'skipped: the CA is not in this store']);
    assert.equal(present?.status, 'ok');
  });

  test('programExists searches PATH', async () => {
    assert.equal(await programExists('sh'), true);
    assert.equal(await programExists('locald-no-such-program-xyz'), false);
    assert.equal(await programExists('sh', { PATH: '' }), false);
  });
});
