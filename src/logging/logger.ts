/**
 * The root logger (pino). One JSON object a line on stdout, or pino-pretty text for people.
 *
 * Writes are synchronous (pino.destination({ sync: true }) and pino-pretty's prettyFactory
 * called inline, no worker-thread transport): the summary line written just before
 * process.exit is never lost. Every line carries `account`; components use
 * `logger.child({ component: 'drive' })`. Secrets: see redact.ts.
 */
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { clearStatusLine } from './status-line.ts';
import { CENSOR, REDACT_PATHS, scrubSecrets, serializeError } from './redact.ts';

export { scrubSecrets, serializeError } from './redact.ts';
export type { SerializedError } from './redact.ts';

export type Logger = pino.Logger;
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent */
  level: string;
  format: LogFormat;
  account: string;
  /** Where lines go; default: fd 1, written synchronously. */
  stream?: NodeJS.WritableStream;
  /** Whether the output is a terminal (auto → pretty, colours); default: from the stream. */
  isTTY?: boolean;
}

/** auto means pretty on a terminal, JSON otherwise (files, pipes, Kubernetes). */
export function usesPretty(format: LogFormat, isTTY: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY);
}

interface SyncDestination {
  write(line: string): unknown;
  flushSync?(): void;
}

export function createLogger(opts: LoggerOptions): Logger {
  const isTTY =
    opts.isTTY ??
    Boolean(((opts.stream ?? process.stdout) as NodeJS.WritableStream & { isTTY?: boolean }).isTTY);
  const out: SyncDestination = opts.stream ?? pino.destination({ dest: 1, sync: true });
  let destination: SyncDestination = out;
  if (usesPretty(opts.format, isTTY)) {
    const pretty = prettyFactory({
      colorize: isTTY,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    destination = {
      write: (line: string) => {
        clearStatusLine();
        return out.write(pretty(line));
      },
      flushSync: () => out.flushSync?.(),
    };
  }
  return pino(
    {
      level: opts.level,
      base: { account: opts.account },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: serializeError, error: serializeError, cause: serializeError },
      hooks: { streamWrite: scrubSecrets },
    },
    destination as pino.DestinationStream,
  );
}

/** What the lead's engine reports at the end of a pass (open for more fields). */
export interface PassSummary {
  account: string;
  indexed: number;
  downloaded: number;
  skipped: number;
  failed: number;
  bytes: number;
  durationSeconds: number;
  exitCode: number;
  peakRssMb: number;
  [more: string]: unknown;
}

/**
 * Writes the last line of a pass, `{ summary }` with msg 'sync finished', and flushes it so
 * it is out before process.exit.
 */
export function summaryLine(logger: Logger, summary: PassSummary): void {
  logger.info({ summary }, 'sync finished');
  flushLogger(logger);
}

/** Flushes buffered output synchronously where the destination can (pino.destination does). */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // A destination without buffering has nothing to flush.
  }
}
