import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureDropNote } from '../../renderer/src/format/capture-stats.js';
import { DEFAULT_CAPTURE_LIMITS, type CaptureStats } from '../../shared/traffic.js';

function stats(over: Partial<CaptureStats> = {}): CaptureStats {
  return {
    limits: { ...DEFAULT_CAPTURE_LIMITS, maxTotalBytes: 2 * 1024 * 1024 },
    exchanges: 812,
    retainedBytes: 2_000_000,
    evictedExchanges: 0,
    evictedBytes: 0,
    droppedBodies: 0,
    droppedBodyBytes: 0,
    ...over,
  };
}

describe('captureDropNote', () => {
  it('says nothing while capture has dropped nothing, however full it is', () => {
    assert.equal(captureDropNote(stats({ retainedBytes: 2 * 1024 * 1024 })), null);
  });

  it('counts dropped exchanges and bodies with separators and the total cap', () => {
    const note = captureDropNote(stats({ evictedExchanges: 1234, evictedBytes: 5 * 1024 * 1024, droppedBodies: 56, droppedBodyBytes: 300 * 1024 }));
    assert.equal(note?.text, '1,234 older exchanges dropped · 56 bodies dropped (cap 2 MB)');
    assert.equal(
      note?.title,
      [
        'Capture keeps 1.9 MB of its 2 MB cap in 812 exchanges (at most 100,000); each body is kept up to 1 MB.',
        'The oldest unpinned exchanges went first: 1,234 exchanges, 5 MB.',
        '56 exchanges stayed listed without their bodies and messages: 300 KB.',
        'Pin an exchange to keep it.',
      ].join('\n'),
    );
  });

  it('names only what was dropped, in the right number', () => {
    assert.equal(captureDropNote(stats({ evictedExchanges: 1, evictedBytes: 10 }))?.text, '1 older exchange dropped (cap 2 MB)');
    const bodies = captureDropNote(stats({ droppedBodies: 1, droppedBodyBytes: 2048 }));
    assert.equal(bodies?.text, '1 body dropped (cap 2 MB)');
    assert.match(bodies?.title ?? '', /^1 exchange stayed listed without its bodies and messages: 2 KB\.$/m);
    assert.doesNotMatch(bodies?.title ?? '', /oldest unpinned/);
  });
});
