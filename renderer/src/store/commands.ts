// User commands that talk to the engine (or the imported session) and report back.
import type { ReplayEdits } from '../../../shared/traffic.js';
import { base64ToBytes } from '../body/bytes.js';
import { copyText, downloadJson } from '../components/dom.js';
import { MAX_HAR_BYTES, parseHarText } from '../export/har-import.js';
import { toCurl, toFetch } from '../export/request-copy.js';
import { absoluteUrl } from '../format/format.js';
import { actions, useUi } from './store.js';
import { fetchBody, fetchDetail, forgetCached } from './traffic-source.js';

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function liveApi() {
  const { api, imported } = useUi.getState();
  if (imported !== null) throw new Error('this is an imported HAR file (read-only); go back to live traffic to resend');
  if (api === null) throw new Error('not connected to the locald engine');
  return api;
}

/** Sends an exchange again (with edits), selects the new exchange and returns its id. */
export async function resend(id: number, edits?: ReplayEdits): Promise<number | null> {
  try {
    const replay = await liveApi().call('traffic.replay', edits === undefined ? { id } : { id, edits });
    actions.ingest([replay]);
    actions.notify(`Sent #${id} again as #${replay.id} → ${replay.status ?? replay.error?.title ?? replay.state}`);
    return replay.id;
  } catch (e) {
    actions.notify(`Resend failed: ${errorText(e)}`, 'error');
    return null;
  }
}

export async function copyRequest(id: number, as: 'curl' | 'fetch'): Promise<void> {
  try {
    const detail = await fetchDetail(id);
    const body = detail.requestBody.size > 0 ? await fetchBody(id, 'request') : null;
    const request = { method: detail.method, url: absoluteUrl(detail), headers: detail.requestHeaders, body: body === null ? null : base64ToBytes(body.base64) };
    const text = as === 'curl' ? toCurl(request) : toFetch(request);
    const ok = await copyText(text);
    actions.notify(ok ? `Copied #${id} as ${as === 'curl' ? 'cURL' : 'fetch'}` : 'The clipboard refused the copy', ok ? 'info' : 'error');
  } catch (e) {
    actions.notify(`Copy failed: ${errorText(e)}`, 'error');
  }
}

export async function exportHar(ids?: number[]): Promise<void> {
  const { imported } = useUi.getState();
  if (imported !== null) {
    actions.notify('This is already a HAR file; go back to live traffic to export', 'error');
    return;
  }
  try {
    const har = await liveApi().call('traffic.har', ids === undefined ? {} : { ids });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    downloadJson(ids?.length === 1 ? `locald-${ids[0]}-${stamp}.har` : `locald-${stamp}.har`, har);
    actions.notify('Exported HAR');
  } catch (e) {
    actions.notify(`Export failed: ${errorText(e)}`, 'error');
  }
}

export async function importHarFile(file: File): Promise<void> {
  if (file.size > MAX_HAR_BYTES) {
    actions.notify(`${file.name} is ${Math.round(file.size / 1024 / 1024)} MB; the limit is ${MAX_HAR_BYTES / 1024 / 1024} MB`, 'error');
    return;
  }
  const result = parseHarText(await file.text());
  if (result.exchanges.length === 0) {
    actions.notify(`Cannot import ${file.name}: ${result.errors[0] ?? 'it has no entries'}`, 'error');
    return;
  }
  forgetCached();
  actions.showImported({ name: file.name, har: result.har, errors: result.errors, byId: new Map(result.exchanges.map((x) => [x.detail.id, x])) }, result.exchanges);
  actions.notify(
    `Imported ${result.exchanges.length} exchanges from ${file.name}${result.errors.length > 0 ? ` (${result.errors.length} problems: ${result.errors[0]})` : ''}`,
    result.errors.length > 0 ? 'error' : 'info',
  );
}

/**
 * The viewed HAR file into the engine's traffic (traffic.importHar): its exchanges join the
 * live list with new ids, where they can be resent to the running services.
 */
export async function addImportedToLive(): Promise<void> {
  const { api, imported } = useUi.getState();
  if (imported === null) return;
  if (api === null) {
    actions.notify('Not connected to the locald engine', 'error');
    return;
  }
  try {
    const result = await api.call('traffic.importHar', { har: imported.har });
    forgetCached();
    actions.backToLive();
    actions.ingest(result.imported);
    const problems = result.issues.length > 0 ? ` (${result.issues.length} skipped: ${result.issues[0]?.path}: ${result.issues[0]?.message})` : '';
    actions.notify(`Added ${result.imported.length} exchanges from ${imported.name} to live traffic; select one and resend it${problems}`, problems === '' ? 'info' : 'error');
  } catch (e) {
    actions.notify(`Adding ${imported.name} to live traffic failed: ${errorText(e)}`, 'error');
  }
}

export async function setPinned(id: number, pinned: boolean): Promise<void> {
  try {
    actions.ingest([await liveApi().call('traffic.pin', { id, pinned })]);
  } catch (e) {
    actions.notify(`Pin failed: ${errorText(e)}`, 'error');
  }
}

export async function clearTraffic(): Promise<void> {
  try {
    const { cleared } = await liveApi().call('traffic.clear', {});
    actions.trafficCleared();
    forgetCached();
    actions.notify(`Cleared ${cleared} exchanges`);
  } catch (e) {
    actions.notify(`Clear failed: ${errorText(e)}`, 'error');
  }
}
