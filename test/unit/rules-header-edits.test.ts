// The rules adapter edits the request head the lifecycle is about to send: a flat list for an
// HTTP/1.1 service, an http2 header object for an h2c one. Both are edited in place.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HookRequest } from '../../engine/proxy/lifecycle/hooks.js';
import { flatten, withHeaderList } from '../../engine/proxy/rules/header-edits.js';
import { applyHeaderEdits } from '../../engine/rules/rewrite.js';

const edits = { set: { 'X-Set': 'new' }, add: [['x-add', 'two']] as [string, string][], remove: ['x-drop'] };

function requestWith(headers: string[] | Record<string, unknown>): HookRequest {
  return { headers } as unknown as HookRequest;
}

describe('rules: request head edits in place', () => {
  it('a flat HTTP/1.1 list keeps its identity and order, edits applied', () => {
    const list = ['Host', 'shop.localhost', 'X-Drop', 'gone', 'x-set', 'old', 'x-add', 'one'];
    withHeaderList(requestWith(list), (pairs) => applyHeaderEdits(pairs, edits));
    assert.deepEqual(list, ['Host', 'shop.localhost', 'x-add', 'one', 'X-Set', 'new', 'x-add', 'two']);
  });

  it('an h2c header object keeps its pseudo-headers; a repeated name becomes an array', () => {
    const head: Record<string, unknown> = { ':method': 'POST', ':path': '/x', ':authority': 'shop.localhost', 'x-drop': 'gone', 'x-add': 'one' };
    const request = requestWith(head);
    withHeaderList(request, (pairs) => applyHeaderEdits(pairs, edits));
    assert.deepEqual(head, { ':method': 'POST', ':path': '/x', ':authority': 'shop.localhost', 'x-add': ['one', 'two'], 'x-set': 'new' });
    assert.deepEqual(flatten(request), [':method', 'POST', ':path', '/x', ':authority', 'shop.localhost', 'x-add', 'one', 'x-add', 'two', 'x-set', 'new']);
  });
});
