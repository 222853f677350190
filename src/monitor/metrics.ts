/**
 * The metrics of one pass in the Prometheus text exposition format (version 0.0.4), as the
 * Pushgateway takes them, and the Pushgateway URL of the pass's group. Pure.
 *
 * Every value describes the last pass, so every metric is a gauge. No sample carries a timestamp
 * (the Pushgateway rejects them) nor a `job`/`account` label (the URL's grouping key sets those).
 */

/** The summary fields the metrics read (the `sync finished` summary has them all). */
export interface MetricsInput {
  indexed: number;
  downloaded: number;
  adopted?: number;
  present?: number;
  moved?: number;
  goneNoticed?: number;
  deletedLocal?: number;
  skipped: number;
  failed: number;
  bytes: number;
  durationSeconds: number;
  exitCode: number;
  peakRssMb?: number;
  /** When the last Takeout export was filed (ISO 8601), by this pass or an earlier one. */
  takeoutLastReadAt?: string;
}

export const PUSH_JOB = 'gphotos_sync';

/** Text exposition content type, as Prometheus client libraries send it. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

/** The item counts of `gphotos_sync_items`, by `kind`. */
const ITEM_KINDS = [
  'indexed',
  'downloaded',
  'adopted',
  'present',
  'moved',
  'skipped',
  'failed',
  'goneNoticed',
  'deletedLocal',
] as const;

/**
 * The exposition text. `gphotos_sync_last_success_timestamp_seconds` is included only when the
 * pass succeeded (exit 0): pushed with POST, a failed pass leaves the last success in place.
 */
export function renderMetrics(input: MetricsInput, now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const families: Family[] = [];
  if (input.exitCode === 0) {
    families.push({
      name: 'gphotos_sync_last_success_timestamp_seconds',
      help: 'Unix time the last successful pass (exit code 0) ended.',
      samples: [{ value: seconds }],
    });
  }
  families.push(
    {
      name: 'gphotos_sync_last_run_timestamp_seconds',
      help: 'Unix time the last pass ended, whatever its outcome.',
      samples: [{ value: seconds }],
    },
    {
      name: 'gphotos_sync_exit_code',
      help: 'Exit code of the last pass (0 ok, 3 partial, 4 authorization, 5 quota; see the README).',
      samples: [{ value: input.exitCode }],
    },
    {
      name: 'gphotos_sync_duration_seconds',
      help: 'Wall time of the last pass in seconds.',
      samples: [{ value: input.durationSeconds }],
    },
    {
      name: 'gphotos_sync_items',
      help: 'Items of the last pass by kind: indexed (listed), downloaded, adopted (present file matched), present (already there), moved (renamed upstream), skipped (filtered out), failed, goneNoticed (deleted upstream, recorded), deletedLocal (removed by --do-delete).',
      samples: ITEM_KINDS.map((kind) => ({ labels: { kind }, value: input[kind] ?? 0 })),
    },
    {
      name: 'gphotos_sync_bytes_downloaded',
      help: 'Bytes downloaded by the last pass.',
      samples: [{ value: input.bytes }],
    },
  );
  if (input.peakRssMb !== undefined) {
    families.push({
      name: 'gphotos_sync_peak_rss_bytes',
      help: 'Peak resident memory of the last pass in bytes.',
      samples: [{ value: input.peakRssMb * 1024 * 1024 }],
    });
  }
  const lastRead =
    input.takeoutLastReadAt === undefined ? NaN : Date.parse(input.takeoutLastReadAt);
  if (Number.isFinite(lastRead)) {
    families.push({
      name: 'gphotos_sync_takeout_last_export_read_timestamp_seconds',
      help: 'Unix time the last Google Takeout export was read and filed; alert when it stops moving (a scheduled export runs out after a year).',
      samples: [{ value: Math.floor(lastRead / 1000) }],
    });
  }
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples)
      lines.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `{base}/metrics/job/{job}/{label}/{value}...`: the group of one account. A value that holds a
 * `/` or is empty goes base64url-encoded under `{label}@base64` (the Pushgateway's rule); others
 * are URI-encoded. A path in `base` (a Pushgateway behind a prefix) is kept.
 */
export function pushgatewayGroupUrl(
  base: string,
  job: string,
  labels: Record<string, string>,
): string {
  const url = new URL(base);
  const parts = [segment('job', job)];
  for (const [name, value] of Object.entries(labels)) parts.push(segment(name, value));
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/metrics/${parts.join('/')}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

function segment(name: string, value: string): string {
  if (value === '' || value.includes('/')) {
    const b64 = Buffer.from(value, 'utf8').toString('base64url');
    return `${name}@base64/${b64 === '' ? '=' : b64}`;
  }
  return `${name}/${encodeURIComponent(value)}`;
}

function labelText(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `{${parts.join(',')}}`;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
