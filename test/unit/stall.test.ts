import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RemoteError } from '../../src/remote/errors.ts';
import { guardStall } from '../../src/sync/stall.ts';

async function* chunks(gapsMs: number[]): AsyncGenerator<Uint8Array> {
  for (const gap of gapsMs) {
    await delay(gap);
    yield new Uint8Array([gap]);
  }
}

/** A body that hands out `n` chunks, then never answers again; `closed` once returned. */
function hanging(n: number) {
  let left = n;
  const state = { closed: false };
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        left-- > 0
          ? delay(5).then(() => ({ done: false as const, value: new Uint8Array([5]) }))
          : new Promise<IteratorResult<Uint8Array>>(() => {}),
      return: async () => {
        state.closed = true;
        return { done: true as const, value: undefined };
      },
    }),
  };
  return { body, state };
}

async function read(body: AsyncIterable<Uint8Array>, ms: number, slowConsumerMs = 0) {
  const got: number[] = [];
  for await (const c of guardStall(body, ms)) {
    got.push(c[0] as number);
    if (slowConsumerMs) await delay(slowConsumerMs);
  }
  return got;
}

test('guardStall passes a body whose chunks each come within the limit', async () => {
  assert.deepEqual(await read(chunks([10, 30, 30, 30, 30]), 60), [10, 30, 30, 30, 30]);
});

test('guardStall fails with a stalled fault when a read waits longer than the limit', async () => {
  const { body, state } = hanging(2);
  const err = await read(body, 50).catch((e: unknown) => e);
  assert.ok(err instanceof RemoteError);
  assert.equal(err.fault, 'stalled');
  assert.equal(state.closed, true);
});

test('guardStall does not count the time the consumer spends between reads', async () => {
  assert.deepEqual(await read(chunks([5, 5, 5]), 40, 80), [5, 5, 5]);
});
