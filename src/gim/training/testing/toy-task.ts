/** A toy training task for tests of the training shell: two linear modules, y = Wx, loss = mean((y − 2x)²). */
import { GimModule, type ModuleStep } from '../../index.js';
import { Linear } from '../../../nn/index.js';
import { clone, mean, mul, pow, randn, sub, tidy, type Tensor } from '../../../tensor/index.js';
import type { TrainArgs } from '../trainer.js';
import type { TrainingConfig, TrainingMode, TrainingTask } from '../strategy.js';

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

/** toyTask(args): two toy modules (built from the seed by the trainer); batches drawn from the (restored) RNG. */
export function toyTask(args: ToyTaskArgs = {}): TrainingTask {
  return {
    buildModules: () => [new ToyModule(), new ToyModule(args.second)],
    moduleNames: ['a', 'b'],
    batch: (step) => {
      args.onBatch?.(step);
      const x = tidy(() => clone(randn([BATCH, FEATURES])));
      return Promise.resolve({ x, dispose: () => x.dispose() });
    },
  };
}

/** The toy run's settings that tests change, and the trainer's own arguments. */
export interface ToyRunArgs extends Partial<Omit<TrainArgs, 'config'>> {
  lr?: number;
  mode?: TrainingMode;
  checkpointEvery?: number;
  cacheBatches?: number;
  device?: string;
  /** More config keys (stored with the checkpoints; `train` keys are merged into the toy's). */
  config?: Record<string, unknown> & { train?: Record<string, unknown> };
}

/** toyArgs(run, extra): trainer arguments for the toy task, seed 1, one thread; the config records train.steps/lr. */
export function toyArgs(run: string, extra: ToyRunArgs = {}): TrainArgs {
  const {
    lr = 0.05,
    mode = 'simultaneous',
    checkpointEvery = 2,
    cacheBatches,
    device = 'cpu',
    config,
    ...rest
  } = extra;
  const steps = extra.steps ?? 6;
  const trainConfig: TrainingConfig['train'] & { steps: number } = {
    steps,
    lr,
    mode,
    checkpointEvery,
    logEvery: 1,
    async: { threadsPerModule: 1, queueCapacity: 2 },
    ...(cacheBatches === undefined ? {} : { cacheBatches }),
  };
  const toyConfig = { toy: true, seed: 1, threads: 1, device, ...config, train: { ...trainConfig, ...config?.train } };
  return { run, steps, resume: false, interactive: false, log: () => undefined, ...rest, config: toyConfig };
}
