/** Progress lines on stderr while the bench runs (stdout keeps only the final table). */
export class Progress {
  private readonly startedAt = Date.now();

  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  log(message: string): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(6);
    this.write(`[${seconds}s] ${message}\n`);
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }
}

/** 123456.7 -> "123,457". */
export function formatRate(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '-';
  return Math.round(value).toLocaleString('en-US');
}
