import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * The app's log lines, counted instead of printed: the bench reports how often something was
 * logged (a rate-limit wait, a retry) and shows the first few warnings and errors.
 */
export class LogTally extends Writable {
  private readonly counts = new Map<string, number>();
  readonly problems: string[] = [];

  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const rec = JSON.parse(line) as { level?: number; msg?: string; err?: unknown };
        const key = `${LEVELS[rec.level ?? 30] ?? rec.level}: ${rec.msg ?? ''}`;
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
        if ((rec.level ?? 0) >= 40 && this.problems.length < 5) this.problems.push(line.slice(0, 300));
      } catch {
        this.counts.set('unparsed', (this.counts.get('unparsed') ?? 0) + 1);
      }
    }
    cb();
  }

  /** Counts since the last call, e.g. per bench section. */
  take(): { counts: Map<string, number>; problems: string[] } {
    const out = { counts: new Map(this.counts), problems: [...this.problems] };
    this.counts.clear();
    this.problems.length = 0;
    return out;
  }
}
