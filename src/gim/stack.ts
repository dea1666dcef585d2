/**
 * GradientIsolatedStack: modules m = 1..M, module m sees detach(output of m−1) and learns only from its own loss.
 * One Adam per module. In simultaneous mode each module's graph is freed right after its own backward, before the
 * next module builds its graph, so the step never holds more than one module's activations for autograd.
 */
import { Adam, type AdamArgs } from '../nn/index.js';
import { noGrad, tidy, to, type Device, type Tensor } from '../tensor/index.js';
import { integerIn, oneOf } from '../util/check.js';
import type { GimModule } from './module.js';

/** How one step of the stack runs: every module on the batch, or one module (iterative). */
export const stepModes = ['simultaneous', 'iterative'] as const;
export type StepMode = (typeof stepModes)[number];

export interface StepMetrics {
  module: number;
  loss: number;
  accuracy?: number;
}

export interface TrainStepArgs {
  mode: StepMode;
  /** iterative mode: the module to train (0-based); earlier modules only run forward, later ones not at all. */
  trainModule?: number;
  /** Labels for supervised modules (ignored by InfoNCE modules). */
  targets?: Tensor;
  /** Called after each module's update (computeGradients: after its backward), for progress bars. */
  onModule?: (m: StepMetrics) => void;
  /**
   * Simultaneous mode: train only modules first..end−1, `x` being module `first`'s input (a pipeline stage); the
   * modules outside are not run.
   */
  range?: { first: number; end: number };
  /** Keep the last module's detached output in GradientStep.output (the caller disposes it), e.g. to send it on. */
  keepOutput?: boolean;
}

/** What computeGradients did: each trained module's metrics, and which modules await `update`. */
export interface GradientStep {
  metrics: StepMetrics[];
  modules: number[];
  /** The last module's detached output, with args.keepOutput. */
  output?: Tensor;
}

export class GradientIsolatedStack {
  readonly modules: readonly GimModule[];
  readonly optimizers: readonly Adam[];

  constructor(modules: GimModule[], adam: AdamArgs = {}) {
    if (!Array.isArray(modules) || modules.length === 0) {
      throw new Error('GradientIsolatedStack: needs at least one module');
    }
    this.modules = modules;
    this.optimizers = modules.map((m) => new Adam(m, adam));
  }

  get length(): number {
    return this.modules.length;
  }

  /** trainStep(x, args): one update of every module (simultaneous, the default) or of module `trainModule` (iterative). */
  trainStep(x: Tensor, args: TrainStepArgs = { mode: 'simultaneous' }): StepMetrics[] {
    return this.#run(x, args, true).metrics;
  }

  /**
   * computeGradients(x, args): trainStep without the optimizer steps — each trained module's forward, own loss and
   * backward (its graph freed before the next module's is built), gradients left in its parameters. Then `update`
   * (after, e.g., averaging the gradients over data-parallel replicas) gives what trainStep gives: module m + 1's
   * input never depends on module m's update.
   */
  computeGradients(x: Tensor, args: TrainStepArgs = { mode: 'simultaneous' }): GradientStep {
    return this.#run(x, args, false);
  }

  /** update(modules): the Adam step of each of these modules from its accumulated gradients, then zeroGrad. */
  update(modules: readonly number[]): void {
    for (const m of modules) {
      const opt = this.optimizers[this.#checkModule('update', 'modules[]', m)]!;
      opt.step();
      opt.zeroGrad();
    }
  }

  #run(x: Tensor, args: TrainStepArgs, update: boolean): GradientStep {
    const mode = oneOf('GradientIsolatedStack.trainStep', 'mode', args.mode, stepModes);
    const last =
      mode === 'iterative'
        ? this.#checkModule('trainStep', 'trainModule (iterative mode)', args.trainModule)
        : args.range === undefined
          ? this.modules.length - 1
          : this.#checkModule('trainStep', 'range.end − 1', args.range.end - 1);
    const first =
      args.range === undefined || mode === 'iterative'
        ? 0
        : integerIn('GradientIsolatedStack.trainStep', 'range.first', args.range.first, 0, last);
    const metrics: StepMetrics[] = [];
    const trained: number[] = [];
    let input = x;
    for (let m = first; m <= last; m++) {
      const train = mode === 'simultaneous' || m === last;
      const next = train
        ? this.#trainModule(m, input, metrics, args.targets, update)
        : tidy(() => noGrad(() => this.modules[m]!.encode(input)));
      if (input !== x) input.dispose();
      input = next;
      if (train) {
        trained.push(m);
        args.onModule?.(metrics[metrics.length - 1]!);
      }
    }
    if (args.keepOutput === true) return { metrics, modules: trained, output: input };
    if (input !== x) input.dispose();
    return { metrics, modules: trained };
  }

  /** trainModuleOn(m, input, targets): one update of module m alone on a given (e.g. cached) input of module m. */
  trainModuleOn(m: number, input: Tensor, targets?: Tensor): StepMetrics {
    const metrics: StepMetrics[] = [];
    this.#trainModule(this.#checkModule('trainModuleOn', 'm', m), input, metrics, targets).dispose();
    return metrics[0]!;
  }

  /** encodeModule(m, input): module m's output for `input`, without gradient (what module m + 1 trains on). */
  encodeModule(m: number, input: Tensor): Tensor {
    const module = this.modules[this.#checkModule('encodeModule', 'm', m)]!;
    return tidy(() => noGrad(() => module.encode(input)));
  }

  /** Forward, own loss, backward and (with update) Adam step of module m; its graph is gone when this returns. */
  #trainModule(m: number, input: Tensor, metrics: StepMetrics[], targets?: Tensor, update = true): Tensor {
    const module = this.modules[m]!;
    const opt = this.optimizers[m]!;
    const next = tidy(() => {
      const s = module.step(input.detach(), targets); // the gradient block
      const loss = s.loss.item();
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(m, loss);
      s.loss.backward(); // frees module m's graph
      metrics.push({ module: m, loss, ...(s.accuracy === undefined ? {} : { accuracy: s.accuracy }) });
      return s.next.detach();
    });
    if (update) {
      opt.step();
      opt.zeroGrad();
    }
    return next;
  }

  /** The module index m, checked to be an integer in [0, M − 1]. */
  #checkModule(fn: string, name: string, m: number | undefined): number {
    return integerIn(`GradientIsolatedStack.${fn}`, name, m, 0, this.modules.length - 1);
  }

  /** features(x, upTo): the probe features of modules 0..upTo, each module's encoder run once, without gradient. */
  features(x: Tensor, upTo = this.modules.length - 1): Tensor[] {
    this.#checkModule('features', 'upTo', upTo);
    const device = this.device;
    return noGrad(() => {
      const out: Tensor[] = [];
      const x0 = x.device === device ? x : to(x, { device }); // the modules' device
      let input = x0;
      for (let m = 0; m <= upTo; m++) {
        const module = this.modules[m]!;
        const z = tidy(() => module.encode(input));
        out.push(tidy(() => module.featuresOf(z))); // may be z itself
        if (input !== x && !out.includes(input)) input.dispose();
        input = z;
      }
      if (input !== x && !out.includes(input)) input.dispose();
      if (device === x.device) return out;
      return out.map((f) => {
        const back = to(f, { device: x.device }); // features come back where x lives
        f.dispose();
        return back;
      });
    });
  }

  /** The device of the modules' parameters (cpu for a stack without parameters). */
  get device(): Device {
    for (const m of this.modules) for (const p of m.parameters()) return p.device;
    return 'cpu';
  }

  train(): void {
    for (const m of this.modules) m.train();
  }
  eval(): void {
    for (const m of this.modules) m.eval();
  }
  dispose(): void {
    for (const o of this.optimizers) o.dispose();
    for (const m of this.modules) m.dispose();
  }
}

/** A module's loss became NaN or infinite (the training loop that catches it says which checkpoint it kept). */
export class NonFiniteLossError extends Error {
  constructor(
    readonly module: number,
    readonly value: number,
  ) {
    super(`module ${module + 1}: loss is ${value}`);
  }
}
