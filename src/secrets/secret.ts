import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A string that must never reach a log line, an error message or a stack dump.
 *
 * Every way a value is usually turned into text (`String(x)`, template literals,
 * `JSON.stringify`, `util.inspect`/`console.log`, pino) prints `[redacted]`; only
 * `reveal()` returns the value, so each place that really needs it is easy to find.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. Call it only where the value leaves the process on purpose. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
