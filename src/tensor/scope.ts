/** Explicit ownership of native memory: tidy scopes, keep, and the live-tensor counter. */
import { native } from './native.js';

/** Anything that owns native memory and can be released now. */
export interface Disposable {
  dispose(): void;
}

const scopes: Set<Disposable>[] = [];
const kept = new WeakSet<Disposable>();

/** Register a new tensor with the innermost tidy scope (no-op outside tidy). */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempt `t` from every enclosing tidy scope: its owner disposes it. Returns `t`. */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, into: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if (typeof (value as Disposable).dispose === 'function' && 'handle' in value) {
    into.add(value as unknown as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collect(v, into, depth + 1);
}

function disposeAll(scope: Set<Disposable>): void {
  for (const t of scope) if (!kept.has(t)) t.dispose();
}

/**
 * tidy(fn): run fn, then dispose every tensor created inside that is neither returned (in an array, Map or plain
 * object) nor kept. Returned tensors move to the enclosing scope. fn must be synchronous. If fn throws, everything it created
 * (and did not keep) is disposed before the error propagates.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    disposeAll(scope);
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    disposeAll(scope);
    throw new Error('tidy(fn): fn must be synchronous (it returned a Promise)');
  }
  const returned = new Set<Disposable>();
  collect(result, returned);
  for (const t of scope) {
    if (returned.has(t)) track(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}

/** Number of tensor handles alive in native memory (not yet disposed or collected). */
export function liveTensors(): number {
  return native.liveTensors();
}
