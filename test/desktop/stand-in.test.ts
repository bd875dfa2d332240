// The stand-in's own contract: an Electron API the shell reaches for and the stand-in
// lacks fails by name, whether it is a member or a whole export.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { REPO } from '../helpers/locald-cli.js';
import { Launch } from './electron-stand-in/launch.js';
import type { MenuModel } from './electron-stand-in/menu.js';
import type { PortMainStandIn } from './electron-stand-in/ports.js';
import type { UtilityProcessStandIn } from './electron-stand-in/utility-process.js';
import { waitFor } from '../helpers/proxy-net.js';
import { clickItem } from './electron-stand-in/menu.js';

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-standin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a member the stand-in lacks throws and is recorded by name', (t) => {
  const launch = new Launch({ appPath: REPO, userData: scratch(t) });
  const app = launch.electron.app as Record<string, unknown>;
  assert.throws(() => app.getGPUInfo, /stand-in lacks electron\.app\.getGPUInfo/);
  assert.equal(app.dock, undefined, 'app.dock is absent on Linux, as in Electron');
  const fork = (launch.electron.utilityProcess as { fork(path: string, args: string[], options: object): unknown }).fork;
  assert.throws(() => fork('/nonexistent.js', [], { allowLoadingUnsignedLibraries: true }), /stand-in lacks electron\.utilityProcess\.fork\(\{ allowLoadingUnsignedLibraries \}\)/);
  assert.deepEqual(launch.missing, ['app.getGPUInfo', 'utilityProcess.fork({ allowLoadingUnsignedLibraries })']);
  launch.exit(0);
});

test('Notification: recorded with its options, clickable only once shown; options it does not model fail by name', (t) => {
  const launch = new Launch({ appPath: REPO, userData: scratch(t) });
  type Shown = { show(): void; on(event: string, listener: () => void): void };
  const Notification = launch.electron.Notification as { new (options: object): Shown; isSupported(): boolean };
  assert.equal(Notification.isSupported(), true);
  const notification = new Notification({ title: 'shop: api crashed', body: 'boom' });
  let clicks = 0;
  notification.on('click', () => clicks++);
  const [record] = launch.notifications;
  assert.ok(record !== undefined);
  assert.deepEqual(record.options, { title: 'shop: api crashed', body: 'boom' });
  assert.throws(() => record.click(), /is not on screen/);
  notification.show();
  record.click();
  assert.equal(clicks, 1);
  assert.throws(() => new Notification({ title: 'x', actions: [] }), /stand-in lacks electron\.Notification\(\{ actions \}\)/);
  assert.deepEqual(launch.missing, ['Notification({ actions })']);
  launch.exit(0);
});

test('an export the stand-in lacks fails the import by name', async (t) => {
  const dir = scratch(t);
  const main = join(dir, 'main.mjs');
  writeFileSync(main, "import { clipboard } from 'electron';\nclipboard.writeText('x');\n");
  const launch = new Launch({ appPath: REPO, userData: dir });
  await assert.rejects(launch.start(main), /does not provide an export named 'clipboard'/);
  launch.exit(0);
  assert.ok(pathToFileURL(main).href.startsWith('file:'));
});

test('requestSingleInstanceLock holds a real lock: a second instance is refused and the first hears about it', async (t) => {
  const userData = scratch(t);
  const first = new Launch({ appPath: REPO, userData });
  const second = new Launch({ appPath: REPO, userData, argv: ['electron', '.', '--second'] });
  const firstApp = first.electron.app as { requestSingleInstanceLock(): boolean; once(event: string, fn: (...args: unknown[]) => void): void };
  const secondApp = second.electron.app as { requestSingleInstanceLock(): boolean };
  assert.equal(firstApp.requestSingleInstanceLock(), true);
  const heard = new Promise<unknown[]>((resolve) => firstApp.once('second-instance', (...args) => resolve(args)));
  assert.equal(secondApp.requestSingleInstanceLock(), false);
  const [, argv] = await heard;
  assert.deepEqual(argv, ['electron', '.', '--second']);
  second.exit(0);
  first.exit(0);
  const third = new Launch({ appPath: REPO, userData });
  assert.equal((third.electron.app as { requestSingleInstanceLock(): boolean }).requestSingleInstanceLock(), true, 'released on exit');
  third.exit(0);
});

test('the tray model clicks like a user: by label, never a disabled item or one inside a disabled submenu', (t) => {
  const launch = new Launch({ appPath: REPO, userData: scratch(t) });
  const Menu = launch.electron.Menu as { buildFromTemplate(template: object[]): MenuModel };
  const clicked: string[] = [];
  const menu = Menu.buildFromTemplate([
    { label: 'Add Project…', enabled: false, click: () => clicked.push('add') },
    { type: 'checkbox', label: 'shop — running', checked: true, click: (item: { checked: boolean }) => clicked.push(`toggle ${item.checked}`) },
    { label: 'shop', enabled: false, submenu: [{ label: 'Open', click: () => clicked.push('open') }] },
  ]);
  assert.throws(() => clickItem(menu, ['Add Project…']), /menu item Add Project… is disabled/);
  assert.throws(() => clickItem(menu, ['shop', 'Open']), /menu item shop is disabled/);
  assert.throws(() => clickItem(menu, ['Remove']), /no menu item Remove/);
  clickItem(menu, [/^shop — /]);
  assert.deepEqual(clicked, ['toggle false'], 'a checkbox flips before its click runs');
  assert.throws(() => Menu.buildFromTemplate([{ label: 'x', sublabel: 'y' }]), /stand-in lacks electron\.Menu\.buildFromTemplate\(\{ sublabel \}\)/);
  launch.exit(0);
});

test('utilityProcess.fork: a real child with process.parentPort, and a MessagePort carried to it over the IPC channel', async (t) => {
  const dir = scratch(t);
  const child = join(dir, 'echo.mjs');
  // The child answers on the port it was given, and says goodbye on parentPort when the port closes.
  writeFileSync(
    child,
    `process.parentPort.on('message', (event) => {
      const [port] = event.ports;
      port.on('message', (message) => port.postMessage({ echo: message.data, pid: process.pid }));
      port.on('close', () => { process.parentPort.postMessage({ type: 'port closed' }); setTimeout(() => process.exit(0), 10); });
      port.start();
      process.parentPort.postMessage({ type: 'got', data: event.data, ports: event.ports.length });
    });\n`,
  );
  const launch = new Launch({ appPath: REPO, userData: dir });
  t.after(() => launch.exit(0));
  const electron = launch.electron as {
    utilityProcess: { fork(path: string, args: string[], options: object): UtilityProcessStandIn };
    MessageChannelMain: new () => { port1: PortMainStandIn; port2: PortMainStandIn };
  };
  const engine = electron.utilityProcess.fork(child, [], { stdio: 'inherit' });
  const fromParentPort: unknown[] = [];
  engine.on('message', (message: unknown) => fromParentPort.push(message));
  const exited = new Promise<number>((resolve) => engine.once('exit', resolve));

  const { port1, port2 } = new electron.MessageChannelMain();
  const answers: unknown[] = [];
  port1.on('message', (event: { data: unknown }) => answers.push(event.data));
  port1.start();
  engine.postMessage({ hello: 'engine' }, [port2]);
  await waitFor(() => (fromParentPort.length > 0 ? true : undefined), 'the child to receive the port');
  assert.deepEqual(fromParentPort[0], { type: 'got', data: { hello: 'engine' }, ports: 1 });
  port1.postMessage({ n: 1 });
  await waitFor(() => (answers.length > 0 ? true : undefined), 'an answer on the port');
  assert.deepEqual(answers, [{ echo: { n: 1 }, pid: engine.pid }]);

  port1.close();
  await waitFor(() => (fromParentPort.length > 1 ? true : undefined), 'the child to see the port close');
  assert.deepEqual(fromParentPort[1], { type: 'port closed' });
  assert.equal(await exited, 0);
  assert.deepEqual(launch.missing, []);
});
