/**
 * Argument checks for public functions, all with one message format: `<function>: <argument> must be ..., got ...`.
 * Each returns the checked value, so a check can sit where the value is read.
 */

/** How a value is shown after "got": strings quoted, arrays bracketed, everything else as String() does. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(shown).join(', ')}]`;
  return String(value);
}

/** The error every check throws: RangeError for a number out of range, TypeError for a value of the wrong kind. */
function fail(fn: string, name: string, want: string, value: unknown, kind: 'range' | 'type' = 'range'): never {
  const message = `${fn}: ${name} must be ${want}, got ${shown(value)}`;
  throw kind === 'range' ? new RangeError(message) : new TypeError(message);
}

/** A finite number (not NaN, not ±Infinity). */
export function finiteNumber(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') fail(fn, name, 'a finite number', value, 'type');
  if (!Number.isFinite(value)) fail(fn, name, 'a finite number', value);
  return value;
}

/** An integer (a safe one: |value| ≤ 2^53 − 1). */
export function integer(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') fail(fn, name, 'an integer', value, 'type');
  if (!Number.isSafeInteger(value)) fail(fn, name, 'an integer', value);
  return value;
}

/** An integer ≥ 1. */
export function positiveInteger(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') fail(fn, name, 'a positive integer', value, 'type');
  if (!Number.isSafeInteger(value) || value < 1) fail(fn, name, 'a positive integer', value);
  return value;
}

/** An integer ≥ 0. */
export function nonNegativeInteger(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') fail(fn, name, 'a non-negative integer', value, 'type');
  if (!Number.isSafeInteger(value) || value < 0) fail(fn, name, 'a non-negative integer', value);
  return value;
}

/** An integer in [low, high]. */
export function integerIn(fn: string, name: string, value: unknown, low: number, high: number): number {
  const want = `an integer in [${low}, ${high}]`;
  if (typeof value !== 'number') fail(fn, name, want, value, 'type');
  if (!Number.isSafeInteger(value) || value < low || value > high) fail(fn, name, want, value);
  return value;
}

/** A finite number in [low, high] (or [low, high) with `highOpen`). */
export function numberIn(
  fn: string,
  name: string,
  value: unknown,
  low: number,
  high: number,
  highOpen = false,
): number {
  const want = `a number in [${low}, ${high}${highOpen ? ')' : ']'}`;
  if (typeof value !== 'number') fail(fn, name, want, value, 'type');
  const above = highOpen ? value >= high : value > high;
  if (!Number.isFinite(value) || value < low || above) fail(fn, name, want, value);
  return value;
}

/** One of the allowed values (strings compared exactly). */
export function oneOf<T extends string | number | boolean>(
  fn: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) fail(fn, name, `one of ${allowed.map(shown).join(', ')}`, value);
  return value as T;
}

/** A list of exactly `length` entries (naming what the length must match). */
export function listOfLength<T>(fn: string, name: string, value: readonly T[], length: number, of: string): T[] {
  if (!Array.isArray(value)) fail(fn, name, `a list of ${length} (one per ${of})`, value, 'type');
  if (value.length !== length) {
    throw new RangeError(
      `${fn}: ${name} must be a list of ${length} entries (one per ${of}), got ${value.length}: ${shown(value)}`,
    );
  }
  return [...value];
}

/** Every entry of a list checked by `each`, named `name[i]`. */
export function everyEntry<T>(
  fn: string,
  name: string,
  value: readonly unknown[],
  each: (fn: string, name: string, v: unknown) => T,
): T[] {
  return value.map((v, i) => each(fn, `${name}[${i}]`, v));
}
