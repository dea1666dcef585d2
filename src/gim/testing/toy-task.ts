/** A toy training task for tests of the training loop: two linear modules, y = Wx, loss = mean((y − 2x)²). */
import { GimModule, type ModuleStep } from '../index.js';
import { Linear } from '../../nn/index.js';
import { clone, manualSeed, mean, mul, pow, randn, sub, tidy, type Tensor } from '../../tensor/index.js';
import type { TrainLoopArgs, TrainTask } from '../train-loop.js';

const FEATURES = 4;
const BATCH = 3;

export interface ToyModuleArgs {
  /** From this call of step() on (1-based), the loss is multiplied by `spikeBy` (an exploding loss). */
  spikeFrom?: number;
  spikeBy?: number;
}

/** A toy module: y = Wx, loss = mean((y − 2x)²), optionally exploding from a given step on. */
export class ToyModule extends GimModule {
  readonly lin = this.registerModule('lin', new Linear(FEATURES, FEATURES));
  calls = 0;
  constructor(readonly args: ToyModuleArgs = {}) {
    super();
  }
  encode(x: Tensor): Tensor {
    return this.lin.forward(x);
  }
  step(x: Tensor): ModuleStep {
    const y = this.encode(x); // [B, 4]
    let loss = mean(pow(sub(y, mul(x, 2)), 2));
    if (++this.calls >= (this.args.spikeFrom ?? Infinity)) loss = mul(loss, this.args.spikeBy ?? 1);
    return { next: y, loss };
  }
}

export interface ToyTaskArgs {
  second?: ToyModuleArgs;
  /** Called at the start of batch(step), e.g. to send a signal mid-run. */
  onBatch?: (step: number) => void;
}

/** toyTask(args): two toy modules initialised from seed 1; batches drawn from the (restored) RNG. */
export function toyTask(a: ToyTaskArgs = {}): TrainTask {
  manualSeed(1);
  return {
    modules: [new ToyModule(), new ToyModule(a.second)],
    moduleNames: ['a', 'b'],
    batch: (step) => {
      a.onBatch?.(step);
      const x = tidy(() => clone(randn([BATCH, FEATURES])));
      return Promise.resolve({ x, dispose: () => x.dispose() });
    },
  };
}

/** toyArgs(run, extra): loop arguments for the toy task; the config records train.lr and train.steps. */
export function toyArgs(run: string, extra: Partial<TrainLoopArgs> = {}): TrainLoopArgs {
  const steps = extra.steps ?? 6;
  const lr = extra.lr ?? 0.05;
  return {
    run,
    config: { toy: true, train: { steps, lr } },
    seed: 1,
    threads: 1,
    steps,
    lr,
    mode: 'simultaneous',
    checkpointEvery: 2,
    logEvery: 1,
    resume: false,
    interactive: false,
    log: () => undefined,
    ...extra,
  };
}
