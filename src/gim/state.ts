/** A GradientIsolatedStack as one flat map of named tensors (for checkpoints), and back. */
import { moduleAndOptimizerState, restoreModuleAndOptimizer } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import type { GradientIsolatedStack } from './stack.js';

/** stackState(stack): `module{m}.model.*` and `module{m}.optim.*` for every module m (tensors are the live ones). */
export function stackState(stack: GradientIsolatedStack): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  stack.modules.forEach((module, m) => {
    for (const [k, t] of moduleAndOptimizerState(module, stack.optimizers[m])) out.set(`module${m}.${k}`, t);
  });
  return out;
}

/**
 * restoreStack(state, stack, args): load every module's parameters and optimizer state from stackState()'s layout.
 * With `weightsOnly: 'allowed'` a module without `optim.*` entries (a packed model, gim pack) gets its weights only.
 */
export function restoreStack(
  state: ReadonlyMap<string, Tensor>,
  stack: GradientIsolatedStack,
  args: { weightsOnly?: 'allowed' | 'refused' } = {},
): void {
  const perModule = stack.modules.map(() => new Map<string, Tensor>());
  for (const [k, t] of state) {
    const match = /^module(\d+)\.(.*)$/.exec(k);
    if (match === null) continue;
    const m = Number(match[1]);
    const into = perModule[m];
    if (into === undefined)
      throw new Error(`restoreStack: checkpoint has module ${m}, the stack has ${stack.length} modules`);
    into.set(match[2]!, t);
  }
  perModule.forEach((s, m) => {
    if (s.size === 0) throw new Error(`restoreStack: checkpoint has no entries for module ${m}`);
    const weightsOnly = args.weightsOnly === 'allowed' && ![...s.keys()].some((k) => k.startsWith('optim.'));
    restoreModuleAndOptimizer(s, stack.modules[m]!, weightsOnly ? undefined : stack.optimizers[m]);
  });
}
