/**
 * One retry path: the faults this program notices itself are typed (RemoteError.fault) and every
 * classifier reads the type, never a message or a patched-on code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RemoteError, findFault } from '../../src/errors/errors.ts';
import { classifyMonitorError, MonitorHttpError } from '../../src/monitor/http.ts';
import { classifyGoogleError, finalError } from '../../src/remote/google-errors.ts';
import { guardStall } from '../../src/sync/stall.ts';

test('a stalled body is a typed fault the Google classifier retries', async () => {
  // A body that never sends a byte, and that can be closed.
  const silent: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined),
      return: async () => ({ done: true, value: undefined }),
    }),
  };
  const err = await (async () => {
    for await (const _ of guardStall(silent, 20)) void _;
  })().then(
    () => assert.fail('expected a stall'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RemoteError);
  assert.equal(err.fault, 'stalled');
  assert.deepEqual(classifyGoogleError(err), { action: 'retry', reason: 'stalled' });
  const final = finalError(new Error('wrapped', { cause: err }), 'downloading x.jpg');
  assert.equal(final.message, 'downloading x.jpg failed: stalled');
  assert.equal((final as RemoteError).reason, 'stalled');
});

test('a fault is found anywhere in the cause chain; a plain code is not a fault', () => {
  const fault = new RemoteError('bad page', { reason: 'malformed', fault: 'malformed' });
  assert.equal(findFault(new Error('outer', { cause: fault })), fault);
  assert.equal(fault.code, 'malformed');
  const patched = Object.assign(new Error('x'), { code: 'malformed' });
  assert.equal(findFault(patched), undefined);
  assert.equal(classifyGoogleError(patched).action, 'permanent');
});

test('monitoring requests: what is retried', () => {
  const cases: Array<[number | undefined, 'retry' | 'permanent']> = [
    [undefined, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
  ];
  for (const [status, action] of cases) {
    const err = new MonitorHttpError('POST x failed', status);
    assert.equal(classifyMonitorError(err).action, action, String(status));
  }
});
