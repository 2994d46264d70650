import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetadataStore } from '../../src/ports/metadata-store.js';

/**
 * Watches a region's ports for work done inside a metadata transaction that is not a query of
 * that transaction (blob store I/O, peer calls, media parsing, identity lookups, the store
 * outside the transaction): on SQLite the one connection, and with it every other request,
 * waits for all of it. A transaction's callback runs in an async context of its own; a guarded
 * port called from that context (however deep, however late) is recorded with its stack.
 */
export class TransactionGuard {
  private readonly open = new AsyncLocalStorage<true>();
  private readonly wrapped = new WeakMap<object, object>();
  /** What was called inside a transaction: `port.method` and where from. */
  readonly violations: { call: string; stack: string }[] = [];
  /** Transactions begun through a guarded store, and guarded port calls made outside any. */
  readonly seen = { transactions: 0, calls: new Map<string, number>() };

  /** `port` with every method (and every method of the objects it holds) checked. */
  port<T extends object>(port: T, name: string): T {
    const known = this.wrapped.get(port);
    if (known) return known as T;
    const proxy = new Proxy(port, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key);
        const call = `${name}.${String(key)}`;
        if (typeof value === 'function') {
          return (...args: unknown[]) => {
            this.check(call);
            // Recorded once: what the port itself does for this call is not recorded again.
            return this.open.exit(() => (value as (...a: unknown[]) => unknown).apply(target, args));
          };
        }
        return typeof value === 'object' && value !== null ? this.port(value, call) : value;
      },
    });
    this.wrapped.set(port, proxy);
    return proxy;
  }

  /**
   * A metadata store: its `transaction` runs the callback in a guarded context, on the
   * transaction's own store (not guarded: its queries are what a transaction is for).
   */
  store<T extends MetadataStore>(store: T, name = 'store'): T {
    const guarded = this.port(store, name);
    return new Proxy(guarded, {
      get: (target, key) => {
        if (key !== 'transaction') return Reflect.get(target, key);
        return <R>(fn: (tx: MetadataStore) => Promise<R>) => {
          this.check(`${name}.transaction`);
          return store.transaction((tx) => {
            this.seen.transactions += 1;
            return this.open.run(true, () => fn(tx));
          });
        };
      },
    });
  }

  /**
   * Timers started inside a transaction (a wait, a retry delay) count too: `setTimeout` and
   * `setInterval` are checked from now on. Returns what puts them back.
   */
  watchTimers(): () => void {
    const originals = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
    const checked = <F extends (...args: never[]) => unknown>(name: string, original: F): F =>
      Object.assign((...args: unknown[]) => {
        this.check(`timers.${name}`);
        return Reflect.apply(original, globalThis, args) as unknown;
      }, original);
    globalThis.setTimeout = checked('setTimeout', originals.setTimeout);
    globalThis.setInterval = checked('setInterval', originals.setInterval);
    return () => Object.assign(globalThis, originals);
  }

  private check(call: string): void {
    if (this.open.getStore()) {
      this.violations.push({ call, stack: new Error(call).stack ?? call });
      return;
    }
    const port = call.split('.')[0] ?? call;
    this.seen.calls.set(port, (this.seen.calls.get(port) ?? 0) + 1);
  }
}

/** The one guard of a test file whose region adapters are replaced by guarded ones (`vi.mock`). */
export const transactionGuard = new TransactionGuard();

/** `Base` with every instance it makes guarded by `transactionGuard` (`store`: as a metadata store). */
export function guardedClass<C extends new (...args: never[]) => object>(Base: C, name: string): C {
  return new Proxy(Base, {
    construct: (target, args) => {
      const made = Reflect.construct(target, args) as object;
      return name === 'store' ? transactionGuard.store(made as MetadataStore) : transactionGuard.port(made, name);
    },
  });
}

/**
 * A module (for `vi.mock`) with one export guarded as port `port`: a class (capitalised name)
 * makes guarded instances; a function (an async factory) resolves to a guarded port.
 */
export function guardedModule(original: Record<string, unknown>, exportName: string, port: string): Record<string, unknown> {
  const made = original[exportName];
  if (typeof made !== 'function') throw new Error(`${exportName} is not exported`);
  const guarded = /^[A-Z]/.test(exportName)
    ? guardedClass(made as new (...args: never[]) => object, port)
    : async (...args: unknown[]) => transactionGuard.port((await (made as (...a: unknown[]) => Promise<object>)(...args)), port);
  return { ...original, [exportName]: guarded };
}
