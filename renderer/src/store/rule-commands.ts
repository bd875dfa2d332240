// Rules commands: the Rules view and "make a rule from this exchange" talk to the engine here.
import type { ConfigIssue } from '../../../shared/config.js';
import { formatConfigIssue } from '../../../shared/config.js';
import type { RuleSet } from '../../../shared/rules.js';
import { EngineCallError } from '../../../shared/wire-client.js';
import { base64ToBytes, decodeText } from '../body/bytes.js';
import { downloadText } from '../components/dom.js';
import { draftFromExchange, type ExchangeForRule, type RuleDraft } from '../rules/rule-draft.js';
import { draftToInput, type FieldError } from '../rules/rule-wire.js';
import { errorText, liveApi } from './commands.js';
import { actions, useUi } from './store.js';
import { fetchBody, fetchDetail } from './traffic-source.js';

function isIssue(x: unknown): x is ConfigIssue {
  return typeof x === 'object' && x !== null && typeof (x as ConfigIssue).message === 'string' && typeof (x as ConfigIssue).file === 'string';
}

/** The engine's error as located field errors: `invalid_params` names a field, `config_invalid` lists issues. */
export function engineFieldErrors(e: unknown): FieldError[] {
  if (e instanceof EngineCallError) {
    const details = e.details as { field?: unknown; issues?: unknown } | unknown[] | undefined;
    const issues = Array.isArray(details) ? details : Array.isArray(details?.issues) ? details.issues : [];
    const located = issues.filter(isIssue).map((i) => ({ field: i.keyPath ?? (i.line === undefined ? '' : `line ${i.line}${i.column === undefined ? '' : `:${i.column}`}`), message: i.message + (i.hint === undefined ? '' : ` (${i.hint})`) }));
    if (located.length > 0) return located;
    const field = !Array.isArray(details) && typeof details?.field === 'string' ? details.field : '';
    return [{ field, message: e.message.replace(/^[\w.]+: /, '') }];
  }
  return [{ field: '', message: errorText(e) }];
}

function showRuleSet(set: RuleSet): void {
  if (set.project !== currentProject()) return;
  actions.setRules(set.rules, set.projectFileIssues.map(formatConfigIssue), set.warnings.map(formatConfigIssue));
}

function currentProject(): string | null {
  const s = useUi.getState();
  return s.rulesProject ?? s.projects[0]?.name ?? null;
}

/** The engine's rules.changed event: shown when it is the project on screen. */
export function rulesChanged(set: RuleSet): void {
  showRuleSet(set);
}

export async function loadRules(project: string): Promise<void> {
  try {
    showRuleSet(await liveApi().call('rules.list', { project }));
  } catch (e) {
    actions.notify(`Loading the rules of ${project} failed: ${errorText(e)}`, 'error');
  }
}

/** Adds (ruleId null) or replaces a rule; errors stay in the editor next to the form. */
export async function saveRule(project: string, ruleId: string | null, draft: RuleDraft): Promise<void> {
  // The engine's rules.changed can list the new rule before the call answers, and the user may
  // already have opened another rule: the answer closes or annotates only the editor it belongs to.
  const key = useUi.getState().ruleEditor?.key;
  const built = draftToInput(draft);
  if (built.rule === null) {
    actions.ruleEditorChanged({ errors: built.errors }, key);
    return;
  }
  actions.ruleEditorChanged({ saving: true, errors: [] }, key);
  try {
    const api = liveApi();
    if (ruleId === null) await api.call('rules.add', { project, rule: built.rule });
    else await api.call('rules.update', { project, id: ruleId, rule: built.rule });
    actions.closeRuleEditor(key);
    await loadRules(project);
    actions.notify(ruleId === null ? 'Rule added' : 'Rule saved');
  } catch (e) {
    actions.ruleEditorChanged({ saving: false, errors: engineFieldErrors(e) }, key);
  }
}

export async function deleteRule(project: string, id: string): Promise<void> {
  try {
    await liveApi().call('rules.remove', { project, id });
    if (useUi.getState().ruleEditor?.ruleId === id) actions.closeRuleEditor();
    await loadRules(project);
    actions.notify('Rule deleted');
  } catch (e) {
    actions.notify(`Delete failed: ${errorText(e)}`, 'error');
  }
}

export async function setRuleEnabled(project: string, id: string, enabled: boolean): Promise<void> {
  const { rules, rulesProblems, rulesWarnings } = useUi.getState();
  const rule = rules.find((r) => r.id === id);
  if (rule === undefined) return;
  const { id: _id, source: _source, ...input } = rule;
  // The switch moves at once; the engine's list then confirms it (or the old list comes back).
  actions.setRules(
    rules.map((r) => (r.id === id ? { ...r, enabled } : r)),
    rulesProblems,
    rulesWarnings,
  );
  try {
    await liveApi().call('rules.update', { project, id, rule: { ...input, enabled } });
    await loadRules(project);
  } catch (e) {
    actions.setRules(rules, rulesProblems, rulesWarnings);
    actions.notify(`${enabled ? 'Enabling' : 'Disabling'} the rule failed: ${errorText(e)}`, 'error');
  }
}

/** Moves a user rule one place up (-1) or down (+1) among the user rules. */
export async function moveRule(project: string, id: string, by: -1 | 1): Promise<void> {
  const ids = useUi
    .getState()
    .rules.filter((r) => r.source === 'user')
    .map((r) => r.id);
  const from = ids.indexOf(id);
  const to = from + by;
  if (from === -1 || to < 0 || to >= ids.length) return;
  [ids[from], ids[to]] = [ids[to] as string, ids[from] as string];
  try {
    showRuleSet(await liveApi().call('rules.reorder', { project, ids }));
  } catch (e) {
    actions.notify(`Moving the rule failed: ${errorText(e)}`, 'error');
  }
}

export async function exportRules(project: string): Promise<void> {
  try {
    const { toml } = await liveApi().call('rules.export', { project });
    downloadText(`${project}.locald.rules.toml`, toml, 'application/toml');
    actions.notify('Exported rules');
  } catch (e) {
    actions.notify(`Export failed: ${errorText(e)}`, 'error');
  }
}

export async function importRulesFile(project: string, file: File): Promise<void> {
  try {
    const set = await liveApi().call('rules.import', { project, toml: await file.text() });
    showRuleSet(set);
    actions.notify(`Imported rules from ${file.name}`);
  } catch (e) {
    const errors = engineFieldErrors(e);
    actions.notify(`Cannot import ${file.name}: ${errors.map((x) => (x.field === '' ? x.message : `${x.field}: ${x.message}`)).join('; ')}`, 'error');
  }
}

/** Opens the rule editor on a mock that matches this exchange and answers as it was answered. */
export async function ruleFromExchange(id: number): Promise<void> {
  try {
    const detail = await fetchDetail(id);
    const e: ExchangeForRule = detail;
    let body: string | null = null;
    if (detail.responseBody.captured > 0) {
      const content = await fetchBody(id, 'response');
      body = content === null ? null : decodeText(base64ToBytes(content.base64));
    }
    if (detail.project !== null) actions.setRulesProject(detail.project);
    actions.openRuleEditor(null, draftFromExchange(e, { headers: detail.responseHeaders, body }));
  } catch (err) {
    actions.notify(`Making a rule from #${id} failed: ${errorText(err)}`, 'error');
  }
}

/** Opens the Rules view on the project's rule that acted on an exchange. */
export async function showRule(project: string, ruleId: string): Promise<void> {
  actions.setRulesProject(project);
  await loadRules(project);
  if (useUi.getState().rules.some((r) => r.id === ruleId)) actions.openRuleEditor(ruleId);
  else {
    actions.setTab('rules');
    actions.notify(`Rule ${ruleId} is no longer in ${project}'s rules`);
  }
}
