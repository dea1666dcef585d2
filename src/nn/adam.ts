/** Adam optimizer (Kingma & Ba, 2015) over libtorch's fused in-place update, numerically as torch.optim.Adam. */
import {
  adamStep,
  copyInto,
  isFloating,
  keep,
  noGrad,
  zerosLike,
  type AdamHyper,
  type Tensor,
} from '../tensor/index.js';
import { numberIn } from '../util/check.js';
import { Module } from './module.js';

export type { AdamHyper } from '../tensor/index.js';

export interface AdamArgs {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** L2 penalty λ added to the gradient (g + λp), as torch.optim.Adam's weight_decay (not AdamW). */
  weightDecay?: number;
}

/** Optimizer state: the step count t and the moment estimates m, v, one per parameter (empty before the first step). */
export interface AdamState {
  step: number;
  expAvg: Tensor[];
  expAvgSq: Tensor[];
  hyper: AdamHyper;
}

/** The largest finite float32: the update runs in the parameters' dtype, so every hyperparameter must fit in it. */
const FLOAT32_MAX = 3.4028234663852886e38;

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * One step count t is shared by all parameters (torch keeps one per parameter; they agree whenever every parameter
 * has a gradient at every step). Parameters without a gradient are left untouched. m and v are created lazily.
 */
export class Adam {
  readonly params: readonly Tensor[];
  hyper: AdamHyper;
  #step = 0;
  #expAvg: Tensor[] | null = null;
  #expAvgSq: Tensor[] | null = null;

  constructor(params: Tensor[] | Module, args: AdamArgs = {}) {
    const list = params instanceof Module ? params.parameters() : [...params];
    if (new Set(list).size !== list.length) throw new Error('Adam: a parameter appears more than once');
    list.forEach((p, i) => {
      if (!isFloating(p.dtype)) throw new Error(`Adam: parameter ${i} has non-floating dtype ${p.dtype}`);
    });
    if (args.betas !== undefined && (!Array.isArray(args.betas) || args.betas.length !== 2)) {
      throw new RangeError(`Adam: betas must be a pair [beta1, beta2], got ${String(args.betas)}`);
    }
    const [beta1, beta2] = args.betas ?? [0.9, 0.999];
    this.hyper = { lr: args.lr ?? 1e-3, beta1, beta2, eps: args.eps ?? 1e-8, weightDecay: args.weightDecay ?? 0 };
    Adam.#checkHyper(this.hyper);
    this.params = list;
  }

  /** lr, eps and weightDecay finite in [0, float32 max]; each beta in [0, 1). */
  static #checkHyper(h: AdamHyper, fn = 'Adam'): void {
    numberIn(fn, 'lr', h.lr, 0, FLOAT32_MAX);
    numberIn(fn, 'eps', h.eps, 0, FLOAT32_MAX);
    numberIn(fn, 'betas[0] (beta1)', h.beta1, 0, 1, true);
    numberIn(fn, 'betas[1] (beta2)', h.beta2, 0, 1, true);
    numberIn(fn, 'weightDecay', h.weightDecay, 0, FLOAT32_MAX);
  }

  /** Learning rate (settable, for schedules). */
  get lr(): number {
    return this.hyper.lr;
  }
  set lr(v: number) {
    numberIn('Adam.lr', 'lr', v, 0, FLOAT32_MAX);
    this.hyper = { ...this.hyper, lr: v };
  }

  /** Number of steps taken (t after the last step). */
  get stepCount(): number {
    return this.#step;
  }

  #ensureState(): [Tensor[], Tensor[]] {
    if (this.#expAvg === null || this.#expAvgSq === null) {
      noGrad(() => {
        this.#expAvg = this.params.map((p) => keep(zerosLike(p)));
        this.#expAvgSq = this.params.map((p) => keep(zerosLike(p)));
      });
    }
    return [this.#expAvg!, this.#expAvgSq!];
  }

  /** step(): t ← t + 1, then one Adam update of every parameter that has a gradient. */
  step(): void {
    const [m, v] = this.#ensureState();
    this.#step += 1;
    adamStep([...this.params], m, v, this.#step, this.hyper);
  }

  /** zeroGrad(): drop every parameter's gradient (set_to_none). */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** stateDict(): t, m, v and the hyperparameters. The tensors are the optimizer's own: do not dispose them. */
  stateDict(): AdamState {
    return {
      step: this.#step,
      expAvg: [...(this.#expAvg ?? [])],
      expAvgSq: [...(this.#expAvgSq ?? [])],
      hyper: { ...this.hyper },
    };
  }

  /** loadStateDict(s): t ← s.step, copy s.expAvg/s.expAvgSq into this optimizer's state, hyper ← s.hyper if given. */
  loadStateDict(state: Omit<AdamState, 'hyper'> & { hyper?: AdamHyper }): void {
    const { step, expAvg, expAvgSq } = state;
    if (!Number.isInteger(step) || step < 0) throw new Error(`Adam.loadStateDict: invalid step ${step}`);
    if (state.hyper !== undefined) Adam.#checkHyper(state.hyper, 'Adam.loadStateDict');
    const n = this.params.length;
    const empty = expAvg.length === 0 && expAvgSq.length === 0;
    if (!empty) {
      if (expAvg.length !== n || expAvgSq.length !== n) {
        throw new Error(
          `Adam.loadStateDict: ${n} parameters but ${expAvg.length} expAvg and ${expAvgSq.length} expAvgSq tensors`,
        );
      }
      this.params.forEach((p, i) => {
        for (const [name, t] of [
          ['expAvg', expAvg[i]!],
          ['expAvgSq', expAvgSq[i]!],
        ] as const) {
          if (t.shape.length !== p.shape.length || t.shape.some((d, j) => d !== p.shape[j])) {
            throw new Error(
              `Adam.loadStateDict: ${name}[${i}] has shape ${shapeStr(t.shape)}, expected ${shapeStr(p.shape)}`,
            );
          }
          if (t.dtype !== p.dtype)
            throw new Error(`Adam.loadStateDict: ${name}[${i}] has dtype ${t.dtype}, expected ${p.dtype}`);
        }
      });
    } else if (step > 0) {
      throw new Error(`Adam.loadStateDict: step ${step} > 0 but no moment estimates`);
    }
    if (empty) {
      this.#disposeState();
    } else {
      const [m, v] = this.#ensureState();
      for (let i = 0; i < n; i++) {
        copyInto(m[i]!, expAvg[i]!);
        copyInto(v[i]!, expAvgSq[i]!);
      }
    }
    this.#step = step;
    if (state.hyper !== undefined) this.hyper = { ...state.hyper };
  }

  #disposeState(): void {
    for (const t of [...(this.#expAvg ?? []), ...(this.#expAvgSq ?? [])]) t.dispose();
    this.#expAvg = null;
    this.#expAvgSq = null;
  }

  /** dispose(): free the moment estimates (the parameters belong to their module) and reset t to 0. */
  dispose(): void {
    this.#disposeState();
    this.#step = 0;
  }
}
