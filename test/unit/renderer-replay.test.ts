import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canReplay } from '../../renderer/src/model/replay.js';

test('requests can be replayed; WebSocket connections and imported sessions cannot', () => {
  for (const kind of ['http', 'sse', 'grpc', 'grpc-web'] as const) assert.equal(canReplay({ kind }, false), true, kind);
  assert.equal(canReplay({ kind: 'websocket' }, false), false);
  assert.equal(canReplay({ kind: 'http' }, true), false);
});
