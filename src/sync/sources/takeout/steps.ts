/**
 * Per-step figures of filing an export (seconds, CPU seconds, memory as lib/memory.ts gives it),
 * logged as `Takeout step` so that a slow or memory-hungry step can be named from the log alone
 * (bench/takeout.ts prints them).
 */
import type { Logger } from 'pino';
import { memoryMib } from '../../../lib/memory.ts';

export class StepClock {
  readonly #log: Logger;
  #t = performance.now();
  #cpu = process.cpuUsage();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Logs the step that ends now, and starts the next. */
  done(step: string, extra: Record<string, number> = {}): void {
    const now = performance.now();
    const cpu = process.cpuUsage(this.#cpu);
    this.#log.info(
      {
        step,
        seconds: Math.round(now - this.#t) / 1000,
        cpuSeconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
        ...memoryMib(),
        ...extra,
      },
      'Takeout step',
    );
    this.#t = now;
    this.#cpu = process.cpuUsage();
  }
}
