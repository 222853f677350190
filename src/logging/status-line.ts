/**
 * The one status line (the progress bar) drawn in place on a terminal. Pretty log lines go to the
 * same terminal through stdout: before one is written the bar is wiped, so the two never share a
 * line; the bar comes back at its next redraw.
 */
let shownOn: NodeJS.WritableStream | undefined;

/** Records that a status line is now drawn on `stream`. */
export function statusLineShown(stream: NodeJS.WritableStream): void {
  shownOn = stream;
}

/** Wipes the status line, if one is drawn. Cheap when none is. */
export function clearStatusLine(): void {
  if (shownOn === undefined) return;
  shownOn.write('\r\x1b[2K');
  shownOn = undefined;
}
