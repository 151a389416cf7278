import type { TextSink } from '../cli-io.js';

export interface ProgressState {
  elapsedMs: number;
  published: number;
  total: number;
  producerDone: boolean;
  handled: number;
  /** Entries not yet delivered plus delivered and not yet acked; undefined until first read. */
  lag: number | undefined;
  replicas: ReadonlyArray<{ name: string; handled: number; state: string }>;
}

/** One line: `  8.2s published 20000/20000 (done)  handled 15342  lag 4658 | consumer-1 5200 ...`. */
export function renderProgress(state: ProgressState): string {
  const seconds = (state.elapsedMs / 1000).toFixed(1).padStart(6);
  const published = `published ${state.published}/${state.total}${state.producerDone ? ' (done)' : ''}`;
  const lag = state.lag === undefined ? '' : `  lag ${state.lag}`;
  const replicas = state.replicas
    .map(
      (replica) =>
        `${replica.name} ${replica.handled}${replica.state === 'running' ? '' : ` (${replica.state})`}`,
    )
    .join('  ');
  return `${seconds}s ${published}  handled ${state.handled}${lag} | ${replicas}`;
}

/**
 * Live progress on stderr: redrawn in place on a terminal, otherwise appended every few
 * seconds (logs of CI runs stay short). Stdout is left to the report.
 */
export class ProgressReporter {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly sink: TextSink,
    private readonly tty: boolean,
    private readonly appendEveryMs = 2000,
  ) {}

  /** `force`: append even between intervals (the final state). */
  update(state: ProgressState, force = false): void {
    const line = renderProgress(state);
    if (this.tty) {
      this.sink.write(`\r\x1b[K${line}`);
      this.drawn = true;
      return;
    }
    if (force || state.elapsedMs - this.lastWrite >= this.appendEveryMs) {
      this.lastWrite = state.elapsedMs;
      this.sink.write(`${line}\n`);
    }
  }

  /** A message between progress lines (a kill, a restart). */
  note(message: string): void {
    this.endLine();
    this.sink.write(`${message}\n`);
  }

  /** Leaves the last progress line in place and moves to a new line. */
  endLine(): void {
    if (this.drawn) this.sink.write('\n');
    this.drawn = false;
  }
}
