/**
 * The pieces of the index's bulk writes that need no database: array literals as upsertListed
 * sends them, and the pipelined statements (the next chunk built while one runs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrayLiteral } from '../../src/index/listed-columns.ts';
import { pipelined } from '../../src/index/sql-util.ts';

describe('array literals', () => {
  it('quotes every value, escapes backslashes and quotes, writes NULL for null', () => {
    assert.equal(
      arrayLiteral([
        'plain',
        'a "quoted" name',
        'back\\slash',
        '\\"',
        '',
        null,
        undefined,
        42,
        new Date('2017-05-01T10:00:00Z'),
      ]),
      '{"plain","a \\"quoted\\" name","back\\\\slash","\\\\\\"","",NULL,NULL,"42","2017-05-01T10:00:00.000Z"}',
    );
  });
});

describe('pipelined statements', () => {
  it('sends each chunk in order, one at a time, the next built while one runs', async () => {
    const events: string[] = [];
    let running = 0;
    await pipelined(
      [[1, 2], [3], [4, 5]],
      (chunk) => {
        events.push(`build ${chunk.join('+')}`);
        return chunk.reduce((a, b) => a + b, 0);
      },
      // Like a knex builder: nothing is sent before `then`, and the driver sends the statement
      // some callbacks later.
      (sum) =>
        ({
          then(resolve: (v: unknown) => void) {
            void Promise.resolve()
              .then(() => Promise.resolve())
              .then(() => {
                running++;
                assert.equal(running, 1, 'one statement in flight');
                events.push(`start ${sum}`);
                // The server's work: done a turn of the event loop later.
                setImmediate(() =>
                  setImmediate(() => {
                    events.push(`end ${sum}`);
                    running--;
                    resolve(undefined);
                  }),
                );
              });
          },
        }) as unknown as PromiseLike<unknown>,
    );
    assert.deepEqual(events, [
      'build 1+2',
      'start 3',
      'build 3',
      'end 3',
      'start 3',
      'build 4+5',
      'end 3',
      'start 9',
      'end 9',
    ]);
  });

  it('throws the first failure and sends nothing after it', async () => {
    const sent: number[] = [];
    await assert.rejects(
      pipelined(
        [[1], [2], [3], [4]],
        (chunk) => chunk[0] as number,
        async (n) => {
          sent.push(n);
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (n === 2) throw new Error('duplicate key');
        },
      ),
      /duplicate key/,
    );
    assert.deepEqual(sent, [1, 2], 'chunk 3 was built but never sent');
  });
});
