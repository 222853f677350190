import { AccountRepo } from './sql-util.ts';

/** The `sync_state` table of one account: small JSON values by key (page tokens, last run...). */
export class StateRepo extends AccountRepo {
  /** The stored value, or undefined when the key was never set. The type is the caller's claim. */
  async get<T>(key: string): Promise<T | undefined> {
    const row = (await this.knex('sync_state')
      .where({ account: this.account, key })
      .first('value')) as { value: unknown } | undefined;
    return row === undefined ? undefined : (row.value as T);
  }

  /** Stores any JSON-serialisable value (replacing the old one); undefined is refused. */
  async set(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined)
      throw new TypeError(
        `Expected \`value\` of state key \`${key}\` to be JSON, got \`undefined\``,
      );
    await this.knex('sync_state')
      .insert({
        account: this.account,
        key,
        value: this.knex.raw('?::jsonb', [json]),
        updated_at: this.knex.fn.now(),
      })
      .onConflict(['account', 'key'])
      .merge(['value', 'updated_at']);
  }
}
