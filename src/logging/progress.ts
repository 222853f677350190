/**
 * Progress of a pass. The engine bumps the counters; `start` reports them every interval:
 * as an info line `msg: 'progress'` (logs, Kubernetes), or on a terminal as a one-line bar
 * on stderr that is redrawn in place and cleared by `stop()`. The timer is unref()'d, so it
 * never keeps the process alive.
 */
import type { Logger } from './logger.ts';
import { clearStatusLine, statusLineShown } from './status-line.ts';

export type Phase = 'index' | 'albums' | 'download' | 'link' | 'takeout';

export interface ProgressSnapshot {
  phase: Phase;
  indexed: number;
  downloaded: number;
  toDownload: number;
  skipped: number;
  failed: number;
  bytes: number;
  /** Items per second in the current phase (indexed in 'index', downloaded in 'download'). */
  rate: number;
  bytesPerSecond: number;
  /** Seconds left for the downloads at the current rate; null when unknown. */
  etaSeconds: number | null;
}

export interface ProgressOptions {
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
  /** Where the terminal bar goes; default process.stderr. */
  stderr?: NodeJS.WritableStream & { columns?: number };
}

/** How often the terminal bar is redrawn at most, whatever the log interval. */
const BAR_REDRAW_MS = 500;

export class Progress {
  indexed = 0;
  /** Items planned for download. */
  toDownload = 0;
  downloaded = 0;
  skipped = 0;
  failed = 0;
  bytes = 0;
  bytesPlanned = 0;

  #phase: Phase = 'index';
  #phaseStartedAt: number;
  #phaseStartBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #barShown = false;
  #tty = false;
  readonly #now: () => number;
  readonly #stderr: NodeJS.WritableStream & { columns?: number };

  constructor(opts: ProgressOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#stderr = opts.stderr ?? process.stderr;
    this.#phaseStartedAt = this.#now();
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Rates and the ETA are measured from the start of the current phase. */
  setPhase(phase: Phase): void {
    this.#phase = phase;
    this.#phaseStartedAt = this.#now();
    this.#phaseStartBytes = this.bytes;
  }

  snapshot(): ProgressSnapshot {
    const elapsed = Math.max((this.#now() - this.#phaseStartedAt) / 1000, 0.001);
    const done = this.#phase === 'index' ? this.indexed : this.downloaded;
    const rate = done / elapsed;
    const bytesPerSecond = (this.bytes - this.#phaseStartBytes) / elapsed;
    let etaSeconds: number | null = null;
    if (this.#phase === 'download') {
      const bytesLeft = this.bytesPlanned - this.bytes;
      const itemsLeft = this.toDownload - this.downloaded - this.skipped - this.failed;
      if (this.bytesPlanned > 0 && bytesPerSecond > 0)
        etaSeconds = Math.max(0, bytesLeft) / bytesPerSecond;
      else if (rate > 0) etaSeconds = Math.max(0, itemsLeft) / rate;
      if (etaSeconds !== null) etaSeconds = Math.round(etaSeconds);
    }
    return {
      phase: this.#phase,
      indexed: this.indexed,
      downloaded: this.downloaded,
      toDownload: this.toDownload,
      skipped: this.skipped,
      failed: this.failed,
      bytes: this.bytes,
      rate: round2(rate),
      bytesPerSecond: Math.round(bytesPerSecond),
      etaSeconds,
    };
  }

  /**
   * Starts reporting every `intervalSeconds` (0 = never). On a terminal the bar is drawn
   * instead of log lines. Calling start again restarts the timer.
   */
  start(logger: Logger, intervalSeconds: number, isTTY: boolean): void {
    this.stop();
    if (!(intervalSeconds > 0)) return;
    this.#tty = isTTY;
    const everyMs = isTTY
      ? Math.min(intervalSeconds * 1000, BAR_REDRAW_MS)
      : intervalSeconds * 1000;
    this.#timer = setInterval(() => this.tick(logger), everyMs);
    this.#timer.unref();
  }

  /** One report now (what the timer calls). */
  tick(logger: Logger): void {
    const s = this.snapshot();
    if (this.#tty) this.#drawBar(s);
    else logger.info(s, 'progress');
  }

  /** Stops the timer and clears the terminal bar. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#barShown) {
      clearStatusLine();
      this.#barShown = false;
    }
  }

  #drawBar(s: ProgressSnapshot): void {
    const width = Math.max(this.#stderr.columns ?? 80, 20);
    let text: string;
    if (s.phase === 'index') {
      text = `indexing: ${s.indexed} items (${s.rate}/s)`;
    } else {
      const done = s.downloaded + s.skipped + s.failed;
      const fraction = s.toDownload > 0 ? Math.min(done / s.toDownload, 1) : 0;
      const tail =
        ` ${done}/${s.toDownload} ${formatBytes(s.bytes)} ${formatBytes(s.bytesPerSecond)}/s` +
        (s.failed > 0 ? ` ${s.failed} failed` : '') +
        (s.etaSeconds !== null ? ` eta ${formatDuration(s.etaSeconds)}` : '');
      const barWidth = Math.max(width - tail.length - 3, 0);
      const filled = Math.round(fraction * barWidth);
      text =
        barWidth >= 5
          ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`
          : tail.trim();
    }
    // One column short of the width: writing the last column makes some terminals wrap.
    this.#stderr.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
    statusLineShown(this.#stderr);
    this.#barShown = true;
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `1.5KB` (progress lines); `iec`: `1.5 KiB` (what `check` says of a disk). */
export function formatBytes(n: number, style: 'short' | 'iec' = 'short'): string {
  const units =
    style === 'iec' ? ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] : ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${style === 'iec' ? ' ' : ''}${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s).padStart(2, '0')}s`
      : `${s}s`;
}
