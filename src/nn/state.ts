/** Packing a module and its optimizer into one flat, checkpointable tensor map (`model.*`, `optim.*`) and back. */
import { scalar, type Tensor } from '../tensor/index.js';
import type { Adam, AdamHyper } from './adam.js';
import type { Module } from './module.js';

const HYPER_KEYS: Record<keyof AdamHyper, string> = {
  lr: 'optim.lr',
  beta1: 'optim.beta1',
  beta2: 'optim.beta2',
  eps: 'optim.eps',
  weightDecay: 'optim.weight_decay',
};

/**
 * moduleAndOptimizerState(m, opt) = {model.<name>: parameter/buffer} ∪ {optim.step, optim.lr, optim.beta1, optim.beta2,
 * optim.eps, optim.weight_decay: float64 scalars} ∪ {optim.<i>.exp_avg, optim.<i>.exp_avg_sq} (i: index in opt.params).
 * model.* and the moments are the live tensors (not copies); the scalars are new: build the map inside tidy.
 */
export function moduleAndOptimizerState(module: Module, optimizer?: Adam): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of module.stateDict()) out.set(`model.${k}`, t);
  if (optimizer === undefined) return out;
  const s = optimizer.stateDict();
  out.set('optim.step', scalar(s.step, { dtype: 'float64' }));
  for (const [k, key] of Object.entries(HYPER_KEYS))
    out.set(key, scalar(s.hyper[k as keyof AdamHyper], { dtype: 'float64' }));
  s.expAvg.forEach((t, i) => out.set(`optim.${i}.exp_avg`, t));
  s.expAvgSq.forEach((t, i) => out.set(`optim.${i}.exp_avg_sq`, t));
  return out;
}

export interface RestoreArgs {
  /** Missing or unexpected `model.*` keys are errors (default true). */
  strict?: boolean;
}

/** restoreModuleAndOptimizer(map, m, opt): load `model.*` into m (loadStateDict) and `optim.*` into opt, in place. */
export function restoreModuleAndOptimizer(
  state: ReadonlyMap<string, Tensor>,
  module: Module,
  optimizer?: Adam,
  args: RestoreArgs = {},
): void {
  const model = new Map<string, Tensor>();
  for (const [k, t] of state) if (k.startsWith('model.')) model.set(k.slice('model.'.length), t);
  if (optimizer !== undefined) {
    // Validate the optimizer entries before touching the module, so a bad map changes nothing.
    const get = (key: string): Tensor => {
      const t = state.get(key);
      if (t === undefined) throw new Error(`restoreModuleAndOptimizer: missing '${key}'`);
      return t;
    };
    const step = get('optim.step').item();
    const hyper = Object.fromEntries(
      Object.entries(HYPER_KEYS).map(([k, key]) => [k, get(key).item()]),
    ) as unknown as AdamHyper;
    const n = optimizer.params.length;
    const hasMoments = state.has('optim.0.exp_avg');
    const expAvg: Tensor[] = [];
    const expAvgSq: Tensor[] = [];
    if (hasMoments) {
      for (let i = 0; i < n; i++) {
        const p = optimizer.params[i]!;
        for (const [key, into] of [
          [`optim.${i}.exp_avg`, expAvg],
          [`optim.${i}.exp_avg_sq`, expAvgSq],
        ] as const) {
          const t = get(key);
          if (t.dtype !== p.dtype || t.shape.length !== p.shape.length || t.shape.some((d, j) => d !== p.shape[j])) {
            throw new Error(
              `restoreModuleAndOptimizer: '${key}' is ${t.dtype} [${t.shape.join(', ')}], parameter ${i} is ${p.dtype} [${p.shape.join(', ')}]`,
            );
          }
          into.push(t);
        }
      }
      if (state.has(`optim.${n}.exp_avg`)) {
        throw new Error(`restoreModuleAndOptimizer: the map has moments for more than ${n} parameters`);
      }
    }
    module.loadStateDict(model, { strict: args.strict ?? true });
    optimizer.loadStateDict({ step, expAvg, expAvgSq, hyper });
  } else {
    module.loadStateDict(model, { strict: args.strict ?? true });
  }
}
