/** A value known at once, or one still to come: hot paths answer from memory without a promise. */
export type MaybePromise<T> = T | Promise<T>;

/** `f` applied to `value`: at once when it is known, else once it has come. */
export function andThen<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}
