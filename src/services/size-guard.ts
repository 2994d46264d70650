import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.js';

/** Passes exactly `size` bytes through: fails the stream as soon as there are more, or at the end when there are fewer. */
export class SizeGuard extends Transform {
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) callback(new AppError('contentSizeMismatch', `${this.what} has more than its ${this.size} bytes`));
    else callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.seen === this.size ? null : new AppError('contentSizeMismatch', `${this.what} has ${this.seen} bytes, not ${this.size}`));
  }
}
