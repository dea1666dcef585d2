/** Operator profiler: where the time of a piece of code goes, per ATen operator and autograd backward node. */
import { native } from './native.js';

export interface OpTime {
  /** The operator (`aten::index_select`) or backward node (`IndexSelectBackward0`). */
  name: string;
  count: number;
  /** Wall time inside the operator, nested operators included. */
  totalMs: number;
  /** Wall time inside the operator, nested operators excluded. */
  selfMs: number;
}

/** profileOps(fn) → fn's result and its operators, most self time first. Not reentrant. */
export function profileOps<T>(fn: () => T): { result: T; ops: OpTime[] } {
  native.profileStart();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    native.profileStop();
    throw e;
  }
  const ops = native.profileStop().sort((a, b) => b.selfMs - a.selfMs);
  return { result, ops };
}

/** A fixed-width table of the `top` operators by self time. */
export function formatOpTimes(ops: readonly OpTime[], top = 20): string {
  const rows = ops.slice(0, top).map((o) => {
    const cells = [o.selfMs.toFixed(1), o.totalMs.toFixed(1), String(o.count)];
    return `${cells.map((c) => c.padStart(9)).join(' ')}  ${o.name}`;
  });
  return [`${['self ms', 'total ms', 'calls'].map((c) => c.padStart(9)).join(' ')}  operator`, ...rows].join('\n');
}
