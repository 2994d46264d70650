import { Transform, type TransformCallback } from 'node:stream';

/** A token bucket shared by every download from one peer (bytes per second; 0 = unlimited). */
export class RateLimiter {
  private available: number;
  private last = Date.now();

  constructor(private readonly bytesPerSecond: number) {
    this.available = bytesPerSecond;
  }

  get unlimited(): boolean {
    return this.bytesPerSecond <= 0;
  }

  /** Resolves once `n` bytes may pass. */
  async take(n: number): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    for (;;) {
      const now = Date.now();
      // At most one second of burst.
      this.available = Math.min(this.bytesPerSecond, this.available + ((now - this.last) / 1000) * this.bytesPerSecond);
      this.last = now;
      if (this.available >= Math.min(n, this.bytesPerSecond)) {
        this.available -= n;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((n - this.available) / this.bytesPerSecond) * 1000)));
    }
  }

  /** A pass-through stream that waits for the bucket. */
  throttle(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, callback: TransformCallback) => {
        this.take(chunk.length).then(() => callback(null, chunk), callback);
      },
    });
  }
}
