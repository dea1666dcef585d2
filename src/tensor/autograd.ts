/** Grad mode: run code without recording the autograd graph. */
import { native } from './native.js';

/** noGrad(fn): run fn with gradient recording off (as torch.no_grad), restoring the previous mode after. */
export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Whether operations are currently recorded for autograd. */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
