import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatCommand, macLoginKeychain, nssLayout, planNssTargets, trustCommands, type NssFacts, type NssTarget, type TrustOptions } from '../../engine/tls/trust.js';
import { formatTrustOutcome, programExists, runTrustSteps } from '../../engine/tls/trust-run.js';
import type { TrustStep } from '../../engine/tls/trust.js';

const SHA1 = '0123456789ABCDEF0123456789ABCDEF01234567';
const NAME = 'locald local CA (ada@laptop)';

function opts(action: 'install' | 'uninstall', extra: Partial<TrustOptions> = {}): TrustOptions {
  return { action, caSha1: SHA1, caName: NAME, userHome: '/Users/ada', ...extra };
}

const db = (dir: string, browsers = 'Firefox', create = false): NssTarget => ({ kind: 'database', dir, browsers, create });

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
    const steps = trustCommands('darwin', '/x/ca.pem', opts('install', { nss: [db(profile)] }));
    assert.equal(steps.length, 2);
    assert.deepEqual(steps[1]?.commands, [['certutil', '-d', `sql:${profile}`, '-A', '-t', 'C,,', '-n', NAME, '-i', '/x/ca.pem']]);
    assert.equal(steps[1]?.requires.hint, 'brew install nss');
  });
});

describe('trustCommands: Windows', () => {
  test('install and uninstall use the current user\'s Root store (no administrator needed)', () => {
    const path = 'C:\\Users\\ada\\AppData\\Roaming\\locald\\ca\\ca.pem';
    const install = trustCommands('win32', path, opts('install', { nss: [db('ignored')] }));
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
      nss: [db('/home/ada/.pki/nssdb', 'Chromium'), db('/home/ada/.mozilla/firefox/x1.default-release')],
    }));
    assert.deepEqual(steps.map((s) => [s.store, s.commands, s.needsRoot]), [
      [
        'system store (Debian/Ubuntu)',
        [['cp', '/home/ada/.locald/ca/ca.pem', '/usr/local/share/ca-certificates/locald.crt'], ['update-ca-certificates']],
        true,
      ],
      [
        'NSS database /home/ada/.pki/nssdb (Chromium)',
        [['certutil', '-d', 'sql:/home/ada/.pki/nssdb', '-A', '-t', 'C,,', '-n', NAME, '-i', '/home/ada/.locald/ca/ca.pem']],
        false,
      ],
      [
        'NSS database /home/ada/.mozilla/firefox/x1.default-release (Firefox)',
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
    const steps = trustCommands('linux', '/c.pem', opts('uninstall', { linuxSystemStore: 'debian', nss: [db('/h/.pki/nssdb', 'Chromium'), { kind: 'unreachable', browsers: 'Firefox', reason: 'x' }] }));
    assert.deepEqual(steps.map((s) => [s.onlyIf, s.commands]), [
      [['test', '-e', '/usr/local/share/ca-certificates/locald.crt'], [['rm', '-f', '/usr/local/share/ca-certificates/locald.crt'], ['update-ca-certificates', '--fresh']]],
      [['certutil', '-d', 'sql:/h/.pki/nssdb', '-L', '-n', NAME], [['certutil', '-d', 'sql:/h/.pki/nssdb', '-D', '-n', NAME]]],
    ]);
  });

  test('no system store and no NSS database: nothing to do', () => {
    assert.deepEqual(trustCommands('linux', '/c.pem', opts('install')), []);
  });

  test('install: an NSS database that is missing is created first (folder 0700, empty password), as mkcert does', () => {
    const steps = trustCommands('linux', '/c.pem', opts('install', { nss: [db('/h/.pki/nssdb', 'Chromium', true)] }));
    assert.deepEqual(steps.map((s) => [s.store, s.commands, s.presentIf, s.browsers]), [
      [
        'NSS database /h/.pki/nssdb (Chromium)',
        [
          ['mkdir', '-p', '-m', '0700', '/h/.pki/nssdb'],
          ['certutil', '-d', 'sql:/h/.pki/nssdb', '-N', '--empty-password'],
          ['certutil', '-d', 'sql:/h/.pki/nssdb', '-A', '-t', 'C,,', '-n', NAME, '-i', '/c.pem'],
        ],
        undefined,
        'Chromium',
      ],
    ]);
  });

  test('install: an existing store is checked first for this exact certificate (already present)', () => {
    const [system, nss] = trustCommands('linux', '/c.pem', opts('install', { linuxSystemStore: 'debian', caBase64: 'MIIB', nss: [db('/h/.pki/nssdb', 'Chromium')] }));
    assert.deepEqual(system?.presentIf, { command: ['cmp', '-s', '/c.pem', '/usr/local/share/ca-certificates/locald.crt'] });
    assert.deepEqual(nss?.presentIf, { command: ['certutil', '-d', 'sql:/h/.pki/nssdb', '-L', '-n', NAME, '-a'], outputHas: 'MIIB' });
  });

  test('install: a browser that cannot be reached yet is a step that is skipped with its reason', () => {
    const steps = trustCommands('linux', '/c.pem', opts('install', { nss: [{ kind: 'unreachable', browsers: 'Firefox', reason: 'start Firefox once' }] }));
    assert.deepEqual(steps.map((s) => [s.store, s.commands, s.skip, s.browsers]), [['Firefox', [], 'start Firefox once', 'Firefox']]);
  });
});

describe('planNssTargets', () => {
  const home = '/home/ada';
  const layout = nssLayout('linux', home);
  const facts = (existing: string[], firefox: Record<string, string[]> = {}): NssFacts => ({
    existing: new Set(existing),
    firefoxProfiles: new Map(Object.entries(firefox)),
  });
  const FF = `${home}/.mozilla/firefox`;
  const SNAP_FF = `${home}/snap/firefox/common/.mozilla/firefox`;
  const FLATPAK_FF = `${home}/.var/app/org.mozilla.firefox/.mozilla/firefox`;
  const SNAP_CHROMIUM = `${home}/snap/chromium/current/.pki/nssdb`;

  test('the Linux places: Chromium, snap Chromium, Firefox plain/snap/flatpak', () => {
    assert.deepEqual(layout.chromium, [`${home}/.pki/nssdb`]);
    assert.deepEqual(layout.snapChromium, { db: SNAP_CHROMIUM, ran: `${home}/snap/chromium/current`, program: '/snap/bin/chromium' });
    assert.deepEqual(layout.firefoxRoots, [FF, SNAP_FF, FLATPAK_FF]);
    assert.deepEqual(nssLayout('win32', 'C:\\Users\\ada'), { chromium: [], snapChromium: null, firefoxRoots: [], firefoxPrograms: [] });
  });

  test('a fresh home: install creates Chromium\'s database; uninstall has nothing to do', () => {
    assert.deepEqual(planNssTargets(layout, facts([]), 'install'), [db(`${home}/.pki/nssdb`, 'Chromium', true)]);
    assert.deepEqual(planNssTargets(layout, facts([]), 'uninstall'), []);
  });

  test('every existing database is used, the snap\'s is created once the snap has run, Firefox profiles in every root', () => {
    const seen = facts([`${home}/.pki/nssdb/cert9.db`, `${home}/snap/chromium/current`], {
      [FF]: [`${FF}/a.default-release`],
      [SNAP_FF]: [],
      [FLATPAK_FF]: [`${FLATPAK_FF}/b.default`],
    });
    const expected = [
      db(`${home}/.pki/nssdb`, 'Chromium'),
      db(SNAP_CHROMIUM, 'Chromium (snap)', true),
      db(`${FF}/a.default-release`),
      db(`${FLATPAK_FF}/b.default`),
    ];
    assert.deepEqual(planNssTargets(layout, seen, 'install'), expected);
    assert.deepEqual(planNssTargets(layout, seen, 'uninstall'), [expected[0], expected[2], expected[3]], 'uninstall never creates');
    const snapDb = facts([`${SNAP_CHROMIUM}/cert9.db`]);
    assert.deepEqual(planNssTargets(layout, snapDb, 'uninstall'), [db(SNAP_CHROMIUM, 'Chromium (snap)')]);
  });

  test('Firefox installed without a profile, or a snap that never ran: said plainly, nothing created', () => {
    const noProfile = planNssTargets(layout, facts([`${home}/.pki/nssdb/cert9.db`], { [FF]: [] }), 'install');
    assert.deepEqual(noProfile.slice(1), [{ kind: 'unreachable', browsers: 'Firefox', reason: 'no Firefox profile yet; start Firefox once, then run this again' }]);
    const programsOnly = planNssTargets(layout, facts([`${home}/.pki/nssdb/cert9.db`, '/usr/bin/firefox', '/snap/bin/chromium']), 'install');
    assert.deepEqual(programsOnly.slice(1).map((t) => [t.kind, t.browsers]), [
      ['unreachable', 'Chromium (snap)'],
      ['unreachable', 'Firefox'],
    ]);
    assert.deepEqual(planNssTargets(layout, facts(['/usr/bin/firefox'], { [FF]: [] }), 'uninstall'), []);
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
    assert.deepEqual(reports.map((r) => r.status), ['added', 'failed', 'added']);
    assert.equal(reports[0]?.detail, `added: ran sh -c 'exit 0' && true`);
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

  test('what a browser still lacks: a missing certutil, a failure, an unreachable store, each with what to do', async () => {
    const nss = (store: string, extra: Partial<TrustStep>): TrustStep => step(store, [['sh', '-c', 'echo SEC_ERROR_BAD_DATABASE >&2; exit 1']], { browsers: store, ...extra });
    const reports = await runTrustSteps(
      [
        nss('Chromium', { requires: { program: 'certutil', hint: 'install libnss3-tools' } }),
        nss('Chromium (snap)', {}),
        nss('Firefox', { skip: 'no Firefox profile yet; start Firefox once, then run this again' }),
      ],
      'linux',
      { hasProgram: async (p) => p !== 'certutil' },
    );
    assert.deepEqual(reports.map((r) => r.stillUntrusted), [
      { browsers: 'Chromium', remedy: 'certutil is not installed; install libnss3-tools, then run this again' },
      { browsers: 'Chromium (snap)', remedy: 'fix the failure above, then run this again' },
      { browsers: 'Firefox', remedy: 'no Firefox profile yet; start Firefox once, then run this again' },
    ]);
    const text = formatTrustOutcome({ certPath: '/c.pem', reports });
    assert.equal(
      text,
      [
        'CA certificate: /c.pem',
        'skipped Chromium: certutil is not installed (install libnss3-tools)',
        `          to do it yourself: sh -c 'echo SEC_ERROR_BAD_DATABASE >&2; exit 1'`,
        `FAILED  Chromium (snap): sh -c 'echo SEC_ERROR_BAD_DATABASE >&2; exit 1': SEC_ERROR_BAD_DATABASE`,
        `          to do it yourself: sh -c 'echo SEC_ERROR_BAD_DATABASE >&2; exit 1'`,
        'skipped Firefox: no Firefox profile yet; start Firefox once, then run this again',
        'Chromium will still not trust the CA: certutil is not installed; install libnss3-tools, then run this again.',
        'Chromium (snap) will still not trust the CA: fix the failure above, then run this again.',
        'Firefox will still not trust the CA: no Firefox profile yet; start Firefox once, then run this again.',
      ].join('\n'),
    );
  });

  test('presentIf: this exact certificate already there is reported as present and nothing runs', async () => {
    const [same, other, absent] = await runTrustSteps(
      [
        step('same', [['sh', '-c', 'exit 9']], { presentIf: { command: ['sh', '-c', 'printf "MII\\nBxy\\n"'], outputHas: 'MIIBxy' } }),
        step('other cert, same name', [['true']], { presentIf: { command: ['sh', '-c', 'printf "MIIZZZ\\n"'], outputHas: 'MIIBxy' } }),
        step('absent', [['true']], { presentIf: { command: ['sh', '-c', 'exit 255'] } }),
      ],
      'linux',
    );
    assert.deepEqual([same?.status, same?.detail, same?.commands], ['present', 'already there', []]);
    assert.equal(other?.status, 'added');
    assert.equal(absent?.status, 'added');
    const [removed] = await runTrustSteps([step('x', [['true']], { onlyIf: ['true'] })], 'linux', { action: 'uninstall' });
    assert.deepEqual([removed?.status, removed?.detail], ['removed', 'removed: ran true']);
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
    assert.equal(present?.status, 'added');
  });

  test('programExists searches PATH', async () => {
    assert.equal(await programExists('sh'), true);
    assert.equal(await programExists('locald-no-such-program-xyz'), false);
    assert.equal(await programExists('sh', { PATH: '' }), false);
  });
});
