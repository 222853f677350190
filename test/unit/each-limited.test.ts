// eachLimited: every item once, never more than `width` at a time, the first error after the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachLimited } from '../../src/lib/each-limited.ts';
import { sleep } from '../../src/lib/sleep.ts';

test('eachLimited runs every item once, at most width at a time', async () => {
  const items = Array.from({ length: 40 }, (_, i) => i);
  const seen: number[] = [];
  let running = 0;
  let most = 0;
  await eachLimited(items, 5, async (i) => {
    running++;
    most = Math.max(most, running);
    await sleep((i * 7) % 5);
    seen.push(i);
    running--;
  });
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    items,
  );
  assert.equal(most, 5);
});

test('eachLimited stops starting on the first error and throws it once the others ended', async () => {
  const started: number[] = [];
  let inFlight = 0;
  await assert.rejects(
    eachLimited([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, async (i) => {
      started.push(i);
      inFlight++;
      await sleep(i === 1 ? 1 : 20);
      inFlight--;
      if (i === 1) throw new Error('boom 1');
    }),
    /boom 1/,
  );
  assert.equal(inFlight, 0, 'nothing is left running');
  assert.ok(started.length < 10, `started ${started.length} of 10`);
});

test('eachLimited on no items does nothing', async () => {
  await eachLimited([], 4, () => Promise.reject(new Error('never called')));
});
