import { mode, screen } from './output.js';

/**
 * A one-line progress bar on stderr (redrawn in place on a terminal, at most a line a second
 * otherwise; nothing under `--quiet`) with the speed and the time left, in bytes or in items.
 */
export class ProgressBar {
  private last = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly unit: 'bytes' | 'items' = 'bytes',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, suffix = ''): void {
    if (mode.quiet) return;
    const now = Date.now();
    if (!this.stream.isTTY && now - this.last < 1000 && done < total) return;
    this.last = now;
    const width = 30;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = done / seconds;
    const speed = this.unit === 'bytes' ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)}/s`;
    const eta = rate > 0 ? formatDuration((total - done) / rate) : '--';
    const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${suffix} ${speed} ETA ${eta}`;
    this.stream.write(this.stream.isTTY ? `\r${line}\u001b[K` : `${line}\n`);
    screen.barOpen = Boolean(this.stream.isTTY);
  }

  /** Ends the bar's line (a terminal's cursor sits at its end) so the next output starts clean. */
  end(): void {
    if (!mode.quiet && this.stream.isTTY && this.last > 0) this.stream.write('\n');
    screen.barOpen = false;
  }
}

export const formatBytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
};

/** `7s`, `3m05s`, `2h10m`. */
export const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};
