/**
 * Counting the forward FLOPs of the ops that dominate training (convolutions, matrix products, GRUs), from their
 * shapes, while a counter is active. Backward costs ≈ 2× forward for these ops (input and weight gradients).
 */
export type FlopKind = 'conv' | 'matmul' | 'rnn';

export class FlopCounter {
  conv = 0;
  matmul = 0;
  rnn = 0;
  get total(): number {
    return this.conv + this.matmul + this.rnn;
  }
}

let active: FlopCounter | null = null;

/** Whether a counter is listening (ops skip the shape arithmetic otherwise). */
export function countingFlops(): boolean {
  return active !== null;
}

/** recordFlops(kind, n): add n forward FLOPs to the active counter. */
export function recordFlops(kind: FlopKind, n: number): void {
  if (active !== null) active[kind] += n;
}

/** countFlops(fn): run fn and return its result with the forward FLOPs its convs, matmuls and GRUs performed. */
export function countFlops<T>(fn: () => T): [T, FlopCounter] {
  const prev = active;
  const counter = new FlopCounter();
  active = counter;
  try {
    return [fn(), counter];
  } finally {
    active = prev;
    if (prev !== null) {
      prev.conv += counter.conv;
      prev.matmul += counter.matmul;
      prev.rnn += counter.rnn;
    }
  }
}
