/**
 * `GET /drive/v3/files/{id}?alt=media`: the file's bytes.
 *
 * 200 with Content-Type/Content-Length/Accept-Ranges, or 206 + Content-Range for one satisfiable
 * `Range: bytes=a-b | a- | -n`; 416 (+ `Content-Range: bytes * /size`) when unsatisfiable;
 * a malformed or multi-range header is ignored (200). Google types (folders, Docs) are 403
 * `fileNotDownloadable`; files that cannot be downloaded are 403 as restrictions.ts says. Bodies
 * are streamed with backpressure, generated piecewise.
 */
import type { ServerResponse } from 'node:http';
import { generatedRange } from './content.ts';
import { envelope, notFound, sendError } from './http.ts';
import { hiddenFromGet } from './shared-drives.ts';
import { isGoogleType, sizeOf } from './library.ts';
import { downloadRefusal } from './restrictions.ts';
import type { RouteContext } from './router.ts';

/** Parses a single byte range against `size`: range, 'unsatisfiable', or undefined (ignore). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function handleMedia(ctx: RouteContext): Promise<void> {
  const { res, state } = ctx;
  const lib = state.library;
  const fileId = ctx.params.fileId!;
  const f = lib.files.get(fileId === 'root' ? lib.rootId : fileId);
  if (!f || hiddenFromGet(lib, f, ctx.query)) return sendError(res, notFound(fileId));
  if (isGoogleType(f.mimeType)) {
    return sendError(
      res,
      envelope(403, {
        domain: 'global',
        reason: 'fileNotDownloadable',
        message:
          'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
        locationType: 'parameter',
        location: 'alt',
      }),
    );
  }
  const refusal = downloadRefusal(f, ctx.query.acknowledgeAbuse === 'true');
  if (refusal) return sendError(res, refusal);
  const size = sizeOf(f);
  const range = parseRange(ctx.req.headers.range, size);
  if (range === 'unsatisfiable') {
    return sendError(
      res,
      envelope(416, {
        domain: 'global',
        reason: 'requestedRangeNotSatisfiable',
        message: 'Request range not satisfiable',
      }),
      { 'Content-Range': `bytes */${size}` },
    );
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = end - start + 1;
  const headers: Record<string, string> = {
    'Content-Type': f.mimeType,
    'Content-Length': String(length),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=0, must-revalidate',
    Server: 'UploadServer',
  };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (length === 0) {
    res.end();
    return;
  }

  const pieces: Iterable<Buffer> = f.content
    ? [f.content.subarray(start, end + 1)]
    : generatedRange(f.id, size, start, end);
  await sendBody(ctx, pieces, length);
}

/**
 * Streams a body of `length` bytes (headers already written), counting the bytes, waiting for
 * drain, and acting out a mid-body fault of the request: `resetMidBody` delivers about half of
 * the body, then destroys the socket; `stallMidBody` delivers the same half, then stays silent
 * with the socket open.
 */
export async function sendBody(
  ctx: RouteContext,
  pieces: Iterable<Buffer>,
  length: number,
): Promise<void> {
  const { res, state } = ctx;
  const cut = ctx.resetMidBody || ctx.stallMidBody === true;
  const limit = cut ? Math.max(1, Math.floor(length / 2)) : Infinity;
  let sent = 0;
  for (const piece of pieces) {
    if (state.mediaPaceMs) await new Promise((r) => setTimeout(r, state.mediaPaceMs));
    if (res.destroyed) return;
    if (cut && sent + piece.length >= limit) {
      const part = piece.subarray(0, limit - sent);
      state.counters.mediaBytes += part.length;
      res.write(part, () => {
        if (ctx.resetMidBody) res.socket?.destroy();
      });
      return;
    }
    sent += piece.length;
    state.counters.mediaBytes += piece.length;
    if (sent === length) {
      res.end(piece);
      return;
    }
    if (!res.write(piece)) await waitDrain(res);
  }
  res.end();
}
