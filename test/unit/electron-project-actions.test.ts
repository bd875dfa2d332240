// The approval rules of the tray's project actions, against the real Engine (reload policy
// 'approve', as in the app), the real registry on disk and the real config loader as the
// preview. Only the dialogs are scripted. No project is started, so nothing is spawned.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Engine } from '../../engine/engine.js';
import { loadProject } from '../../engine/config/index.js';
import type { ApprovalPrompt } from '../../electron/logic/approval.js';
import { commandsHash, previewProject } from '../../engine/approval-hash.js';
import { outcomeError, ProjectActions, projectRequestAnswer } from '../../electron/logic/project-actions.js';
import { ProjectRegistry } from '../../electron/logic/project-registry.js';
import type { ProjectPreview } from '../../shared/engine-host.js';
import type { ProjectState } from '../../shared/state.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function toml(webCommand: string, extra = ''): string {
  return `name = "shop"\n\n[services.web]\ncommand = "${webCommand}"\n${extra}\n[routes]\n"/" = "web"\n`;
}

interface Harness {
  engine: Engine;
  registry: ProjectRegistry;
  actions: ProjectActions;
  projectDir: string;
  prompts: ApprovalPrompt[];
  answers: boolean[];
  /** Called between the dialog and the answer, to edit the file while the user "reads". */
  duringDialog: (() => Promise<void>) | null;
  /** What the actions wait on before they need the engine; running by default. */
  engineReady: () => Promise<void>;
  state(): Promise<ProjectState>;
}

async function harness(preview: (dir: string) => Promise<ProjectPreview> = previewProject): Promise<Harness> {
  const projectDir = await tempDir('locald-actions-project-');
  await writeFile(join(projectDir, 'locald.toml'), toml('node web.js'));
  const engine = new Engine({ home: await tempDir('locald-actions-home-'), httpPort: 7700, version: 'test', reloadPolicy: 'approve', watch: false });
  const registry = new ProjectRegistry(await tempDir('locald-actions-userdata-'));
  await registry.load();
  const h: Harness = {
    engine,
    registry,
    projectDir,
    prompts: [],
    answers: [],
    duringDialog: null,
    engineReady: async () => undefined,
    actions: new ProjectActions({
      engine,
      registry,
      preview,
      engineReady: () => h.engineReady(),
      askApproval: async (prompt) => {
        h.prompts.push(prompt);
        await h.duringDialog?.();
        const answer = h.answers.shift();
        assert.notEqual(answer, undefined, `unexpected dialog: ${prompt.title}`);
        return answer === true;
      },
      pickFolder: async () => projectDir,
      confirmRemove: async () => true,
    }),
    async state() {
      const [state] = await engine.call('projects.list', {});
      assert.ok(state !== undefined, 'the engine lists the project');
      return state;
    },
  };
  return h;
}

/** The app registered and approved shop, then the user edited locald.toml. */
async function withPendingChange(h: Harness, newCommand: string): Promise<ProjectState> {
  await h.engine.call('projects.add', { dir: h.projectDir });
  const first = await loadProject(h.projectDir);
  assert.ok(first.ok);
  await h.registry.upsert({ dir: h.projectDir, approvedHash: commandsHash(first.config), enabled: false });
  await writeFile(join(h.projectDir, 'locald.toml'), toml(newCommand, 'env = { MODE = "fast" }'));
  const state = await h.engine.reloadProject('shop');
  assert.deepEqual(state.pendingApproval?.changes, ["'web' command: node web.js -> node other.js"]);
  return state;
}

async function newHash(dir: string): Promise<string> {
  const result = await loadProject(dir);
  assert.ok(result.ok);
  return commandsHash(result.config);
}

describe('ProjectActions approval rules (real engine with reloadPolicy "approve")', () => {
  it('Add Project asks with every command, and records the approved hash', async () => {
    const h = await harness();
    h.answers.push(true);
    const outcome = await h.actions.addProject();
    try {
      assert.equal(outcome.ok, true);
      assert.equal(h.prompts.length, 1);
      assert.equal(h.prompts[0]?.title, 'Run shop?');
      assert.match(h.prompts[0]?.detail ?? '', /\$ node web\.js/);
      assert.equal(h.registry.get(h.projectDir)?.approvedHash, await newHash(h.projectDir));
      assert.equal(h.registry.get(h.projectDir)?.enabled, true);
    } finally {
      await h.engine.shutdown();
    }
  });

  it('the shell records the hash the engine sent with its preview; it computes none itself', async () => {
    const h = await harness(async (dir) => {
      const result = await previewProject(dir);
      return result.ok ? { ...result, hash: 'sha256:from-the-engine' } : result;
    });
    h.answers.push(true);
    try {
      assert.equal((await h.actions.addProject()).ok, true);
      assert.equal(h.registry.get(h.projectDir)?.approvedHash, 'sha256:from-the-engine');
      // The same preview again: the stored hash matches, so no second dialog.
      assert.deepEqual(await h.actions.restoreAll(), []);
      assert.equal(h.prompts.length, 1);
    } finally {
      await h.engine.shutdown();
    }
  });

  it('Add Project cancelled: nothing is registered and the engine does not know the project', async () => {
    const h = await harness();
    h.answers.push(false);
    const outcome = await h.actions.addProject();
    assert.deepEqual(outcome, { ok: false, cancelled: true, message: 'shop: commands not approved' });
    assert.equal(h.registry.get(h.projectDir), undefined);
    assert.deepEqual(await h.engine.call('projects.list', {}), []);
  });

  it('Review Changed Commands… approved: the engine applies the change and the registry stores the new hash', async () => {
    const h = await harness();
    const pending = await withPendingChange(h, 'node other.js');
    const oldHash = h.registry.get(h.projectDir)?.approvedHash;
    h.answers.push(true);
    const outcome = await h.actions.reviewChanges(pending);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const prompt = h.prompts[0];
    assert.ok(prompt !== undefined);
    assert.equal(prompt.title, 'Commands changed in shop');
    assert.match(prompt.detail, /• 'web' command: node web\.js -> node other\.js/);
    assert.match(prompt.detail, /\$ node other\.js\n {2}in .*\n {2}MODE=fast/);
    assert.equal((await h.state()).pendingApproval, null);
    const stored = h.registry.get(h.projectDir)?.approvedHash;
    assert.notEqual(stored, oldHash);
    assert.equal(stored, await newHash(h.projectDir));
    // The change is applied: reading the same file again is "unchanged", not a new approval.
    assert.equal((await h.engine.reloadProject('shop')).pendingApproval, null);
  });

  it('Review Changed Commands… cancelled: the change stays pending and the old hash stays', async () => {
    const h = await harness();
    const pending = await withPendingChange(h, 'node other.js');
    const oldHash = h.registry.get(h.projectDir)?.approvedHash;
    h.answers.push(false);
    const outcome = await h.actions.reviewChanges(pending);
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.cancelled, true);
    assert.deepEqual((await h.state()).pendingApproval?.changes, ["'web' command: node web.js -> node other.js"]);
    assert.equal(h.registry.get(h.projectDir)?.approvedHash, oldHash);
  });

  it('the file changed again while the dialog was open: the registry keeps the old hash and says why', async () => {
    const h = await harness();
    const pending = await withPendingChange(h, 'node other.js');
    const oldHash = h.registry.get(h.projectDir)?.approvedHash;
    h.duringDialog = () => writeFile(join(h.projectDir, 'locald.toml'), toml('node sneaky.js'));
    h.answers.push(true);
    const outcome = await h.actions.reviewChanges(pending);
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.message : '', /changed again while you were reviewing it/);
    assert.equal(h.registry.get(h.projectDir)?.approvedHash, oldHash);
    // The engine's next reload of the newer file asks again.
    assert.deepEqual((await h.engine.reloadProject('shop')).pendingApproval?.changes, ["'web' command: node other.js -> node sneaky.js"]);
  });

  it('a broken file at review time: an error with the location, nothing approved', async () => {
    const h = await harness();
    const pending = await withPendingChange(h, 'node other.js');
    await writeFile(join(h.projectDir, 'locald.toml'), 'name = "shop"\n[services.web]\ncommand = 42\n');
    const outcome = await h.actions.reviewChanges(pending);
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.message : '', /locald\.toml/);
    assert.equal(h.prompts.length, 0, 'no dialog for a file that does not load');
    assert.notEqual((await h.state()).pendingApproval, null);
  });

  it('without a pending change, Review is "switch on after approval" against the registry hash', async () => {
    const h = await harness();
    await h.engine.call('projects.add', { dir: h.projectDir });
    await h.registry.upsert({ dir: h.projectDir, approvedHash: 'sha256:stale', enabled: true });
    h.answers.push(false);
    const outcome = await h.actions.reviewChanges(await h.state());
    assert.equal(!outcome.ok && outcome.cancelled, true);
    assert.equal(h.prompts[0]?.title, 'Commands changed in shop');
    assert.ok(h.actions.awaitingApproval.has('shop'));
    assert.equal((await h.state()).status, 'stopped');
  });

  it('restoreAll holds back an enabled project whose commands differ from the approved hash', async () => {
    const h = await harness();
    await h.registry.upsert({ dir: h.projectDir, approvedHash: 'sha256:old', enabled: true });
    assert.deepEqual(await h.actions.restoreAll(), []);
    assert.deepEqual([...h.actions.awaitingApproval], ['shop']);
    assert.equal((await h.state()).status, 'stopped');
    assert.equal(h.prompts.length, 0, 'restoring never opens dialogs by itself');
  });

  it('Add Project… while the engine starts: the folder waits (listed for the tray), then the approval comes', async () => {
    const h = await harness();
    let engineRuns!: () => void;
    h.engineReady = () => new Promise((resolve) => (engineRuns = resolve));
    h.answers.push(true);
    const adding = h.actions.addProject();
    try {
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual([...h.actions.waitingForEngine], [h.projectDir]);
      assert.equal(h.prompts.length, 0, 'no approval before the engine can read the config');
      engineRuns();
      const outcome = await adding;
      assert.equal(outcome.ok, true);
      assert.equal(h.prompts.length, 1);
      assert.deepEqual([...h.actions.waitingForEngine], []);
      assert.equal(h.registry.get(h.projectDir)?.enabled, true);
    } finally {
      await h.engine.shutdown();
    }
  });

  it('Add Project… whose engine never comes (quit, or it gave up): the reason, nothing registered', async () => {
    const h = await harness();
    h.engineReady = async () => {
      throw new Error('locald is quitting');
    };
    assert.deepEqual(await h.actions.addProject(), { ok: false, message: 'locald is quitting' });
    assert.deepEqual([...h.actions.waitingForEngine], []);
    assert.equal(h.registry.get(h.projectDir), undefined);
    assert.equal(h.prompts.length, 0);
  });
});

describe('outcomeError', () => {
  it('shows failures, but not success, the user\'s cancel, or anything while quitting', () => {
    assert.equal(outcomeError({ ok: false, message: 'shop: no such folder' }, false), 'shop: no such folder');
    assert.equal(outcomeError({ ok: true }, false), null);
    assert.equal(outcomeError({ ok: false, cancelled: true, message: 'cancelled' }, false), null);
    assert.equal(outcomeError({ ok: false, message: 'projects.stop: locald is quitting' }, true), null);
  });
});

describe('projects.request (a terminal\'s `locald up DIR` joining a running engine)', () => {
  it('a `locald up` engine (no host dialog) answers ask_terminal; a relative folder is refused with its field', async () => {
    const h = await harness();
    assert.deepEqual(await h.engine.call('projects.request', { dir: h.projectDir }), { outcome: 'ask_terminal' });
    await assert.rejects(h.engine.call('projects.request', { dir: 'shop' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'invalid_params');
      assert.match(e.message, /^dir: must be an absolute path/);
      return true;
    });
    assert.deepEqual(await h.engine.call('projects.list', {}), [], 'nothing was added');
  });

  it('the app\'s answer: approved carries the project, cancel and failures are declined with a line for the terminal', () => {
    const project = { name: 'shop' } as ProjectState;
    assert.deepEqual(projectRequestAnswer({ ok: true, project }, '/p/shop'), { outcome: 'approved', project });
    assert.deepEqual(projectRequestAnswer({ ok: false, cancelled: true, message: 'shop: commands not approved' }, '/p/shop'), {
      outcome: 'declined',
      message: 'not approved in the locald app; nothing was added',
    });
    assert.deepEqual(projectRequestAnswer({ ok: false, message: 'invalid config in /p/shop/locald.toml' }, '/p/shop'), {
      outcome: 'declined',
      message: 'invalid config in /p/shop/locald.toml',
    });
  });
});
