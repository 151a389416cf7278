import type { TextSink } from '../cli-io.js';

export interface Progress {
  update(done: number, total: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

const WIDTH = 24;
const REDRAW_MS = 100;

const silent: Progress = { update() {}, finish() {} };

/**
 * A one-line progress bar on stderr (`label [#####-----] 12/40 30%`), redrawn in place with a
 * carriage return, at most every 100 ms. Stdout stays untouched, so `--json` output is clean.
 */
export function createProgress(
  sink: TextSink,
  label: string,
  options: { enabled: boolean; now: () => number },
): Progress {
  if (!options.enabled) return silent;
  let lastDrawn = Number.NEGATIVE_INFINITY;
  let state: { done: number; total: number } | undefined;
  let drawn = '';
  const draw = () => {
    if (!state) return;
    const line = renderProgressLine(label, state.done, state.total);
    if (line === drawn) return;
    sink.write(`\r${line.padEnd(drawn.length)}`);
    drawn = line;
    lastDrawn = options.now();
  };
  return {
    update(done, total) {
      state = { done, total };
      if (done >= total || options.now() - lastDrawn >= REDRAW_MS) draw();
    },
    finish() {
      if (!state) return;
      draw();
      sink.write('\n');
      state = undefined;
    },
  };
}

export function renderProgressLine(label: string, done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
  return `${label} [${bar}] ${done}/${total} ${Math.floor(ratio * 100)}%`;
}
