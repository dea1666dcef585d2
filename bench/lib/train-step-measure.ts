/** One configuration of bench:train, measured inside its own process. */
import { buildAudioModules, paperAudioEncoder, type AudioModule } from '../../src/audio/model.js';
import type { InfoNCEHead } from '../../src/gim/index.js';
import { Adam } from '../../src/nn/index.js';
import {
  countFlops,
  formatOpTimes,
  profileOps,
  keep,
  linear,
  manualSeed,
  randn,
  setNumThreads,
  sum,
  tidy,
  type Tensor,
} from '../../src/tensor/index.js';
import { buildVisionModules, paperVisionEncoder, type VisionModule } from '../../src/vision/model/index.js';
import { peakRssBytes, resetPeakRss, rssBytes } from './proc-memory.js';

export interface ModuleResult {
  name: string;
  encoderForward: number; // seconds
  lossForward: number;
  backward: number;
  /** The loss alone, forward + backward, on detached inputs. */
  lossAlone: number;
  encoderFlops: number; // forward
  lossFlops: number; // forward, as executed
  /** Forward FLOPs no implementation can avoid: W_k c for all k, and 1 + N scores per positive. */
  lossFloorFlops: number;
  /** Seconds those FLOPs take forward + backward at the rate of the module's own prediction matmul, timed alongside. */
  lossFloor: number;
  /** Median over runs of loss alone / floor, each run's pair timed back to back. */
  lossRatio: number;
}

export interface ConfigResult {
  name: string;
  modules: ModuleResult[];
  stepSeconds: number;
  peakActivationBytes: number;
  peakResetWorked: boolean;
}

/** A module split the way the bench times it: encoder (incl. context network), loss, and their inputs. */
interface Split {
  name: string;
  params: Adam;
  encode(x: Tensor): { next: Tensor; z: Tensor; c: Tensor };
  head: InfoNCEHead;
  /** positives Q and predicting positions P, for the floor */
  counts(z: Tensor): { Q: number; P: number };
}

const B = 8;

function audioSplits(modelSplits: number): Split[] {
  manualSeed(0);
  const modules = buildAudioModules({ ...paperAudioEncoder, modelSplits });
  return modules.map((m: AudioModule, i) => ({
    name: modelSplits === 1 ? 'cpc' : i < 5 ? `conv${i + 1}` : 'gru',
    params: new Adam(m, { lr: 2e-4 }),
    encode: (x) => {
      const z = m.encode(x); // [B, C, T]
      const { zt, c } = m.lossInputs(z); // [B, T, C], [B, T, D] (c is zt itself without a GRU, as in training)
      return { next: z, z: zt, c };
    },
    head: m.head!,
    counts: (z) => {
      const L = Math.min(z.shape[1]!, m.head!.args.window ?? Infinity);
      const K = m.head!.args.predictionSteps;
      return { Q: B * (K * L - (K * (K + 1)) / 2), P: B * L };
    },
  }));
}

function visionSplits(modelSplits: number): Split[] {
  manualSeed(0);
  const modules = buildVisionModules({ ...paperVisionEncoder, modelSplits });
  return modules.map((m: VisionModule, i) => ({
    name: modelSplits === 1 ? 'cpc' : `module${i + 1}`,
    params: new Adam(m, { lr: 2e-4 }),
    encode: (x) => {
      const z = m.encode(x); // [B, gh, gw, C, h, w]
      const pooled = m.pool(z); // [B, C, 7, 7]
      return { next: z, z: pooled, c: m.context(pooled) };
    },
    head: m.head,
    counts: (z) => {
      const [, , H, W] = z.shape as [number, number, number, number];
      const K = m.head.args.predictionSteps;
      const skip = m.head.args.skip ?? 0;
      let rows = 0;
      for (let k = 1; k <= K; k++) rows += Math.max(0, H - k - skip);
      return { Q: B * W * rows, P: B * W * H };
    },
  }));
}

export const CONFIGS: Record<string, { splits: () => Split[]; input: () => Tensor; steps: number }> = {
  'audio GIM (6 modules)': { splits: () => audioSplits(6), input: () => randn([B, 1, 20480]), steps: 3 },
  'audio CPC': { splits: () => audioSplits(1), input: () => randn([B, 1, 20480]), steps: 3 },
  'vision GIM (3 modules)': { splits: () => visionSplits(3), input: () => randn([B, 1, 64, 64]), steps: 2 },
  'vision CPC': { splits: () => visionSplits(1), input: () => randn([B, 1, 64, 64]), steps: 2 },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = (): number => performance.now() / 1000;

/** One simultaneous-mode step, timed per module phase; each module's graph is freed after its own backward. */
function timedStep(
  splits: Split[],
  x: Tensor,
  perModule: Omit<ModuleResult, 'lossAlone' | 'lossFloorFlops' | 'lossFloor' | 'lossRatio'>[][],
): number {
  const t0 = now();
  let input = x;
  splits.forEach((s, m) => {
    const next = tidy(() => {
      const a = now();
      const [e, ef] = countFlops(() => s.encode(input.detach()));
      const b = now();
      const [r, lf] = countFlops(() => s.head.loss(e.z, e.c));
      const c = now();
      r.loss.backward();
      const d = now();
      s.params.step();
      s.params.zeroGrad();
      (perModule[m] ??= []).push({
        name: s.name,
        encoderForward: b - a,
        lossForward: c - b,
        backward: d - c,
        encoderFlops: ef.total,
        lossFlops: lf.total,
      });
      return keep(e.next.detach());
    });
    if (input !== x) input.dispose();
    input = next;
  });
  if (input !== x) input.dispose();
  return now() - t0;
}

/**
 * The floor's yardstick, timed beside each loss run: this module's own prediction matmul [P, D] × [D, K·C] (its
 * unavoidable FLOPs), forward and both gradients, on the engine. Returns seconds.
 */
function predictionMatmulSeconds(P: number, D: number, KC: number): number {
  return tidy(() => {
    const c = randn([P, D]).requireGrad();
    const w = randn([KC, D]).requireGrad();
    const t0 = now();
    sum(linear(c, w)).backward();
    return now() - t0;
  });
}

/** Loss runs per module: enough for about LOSS_SECONDS of loss time, within [MIN, MAX] (small losses are noisier). */
const LOSS_RUNS_MIN = 7;
const LOSS_RUNS_MAX = 61;
const LOSS_SECONDS = 1.5;

/**
 * The loss alone on detached inputs (forward + backward) against its FLOP floor. The floor is timed in the same
 * breath: each run (after a warm-up) times the module's prediction matmul, then the loss; the floor of that run is the
 * matmul's time scaled by all unavoidable FLOPs over the matmul's, and the ratio is the median of the per-run ratios,
 * so the machine's speed drifting between runs cancels.
 */
function lossAlone(
  s: Split,
  x: Tensor,
): { seconds: number; floorSeconds: number; ratio: number; floor: number; next: Tensor } {
  const times: number[] = [];
  const floors: number[] = [];
  let floor = 0;
  const next = tidy(() => {
    const e = s.encode(x);
    // As in training: z needs a gradient only where an encoder made it (not for the GRU module's detached input).
    const z = e.z.requiresGrad ? e.z.detach().requireGrad() : e.z;
    const c = e.c === e.z ? z : e.c.detach().requireGrad();
    const { Q, P } = s.counts(z);
    const { predictionSteps: K, negativeSamples: N } = s.head.args;
    const C = s.head.args.encodingSize;
    const D = s.head.args.contextSize;
    const predictionFlops = 2 * P * D * K * C;
    floor = predictionFlops + 2 * Q * C * (1 + N);
    let runs = LOSS_RUNS_MIN;
    for (let i = 0; i <= runs; i++) {
      const reference = predictionMatmulSeconds(P, D, K * C);
      const t0 = now();
      tidy(() => s.head.loss(z, c).loss.backward());
      const t = now() - t0;
      if (i === 0) runs = Math.min(LOSS_RUNS_MAX, Math.max(LOSS_RUNS_MIN, Math.ceil(LOSS_SECONDS / t)));
      else {
        times.push(t);
        floors.push((reference * floor) / predictionFlops);
      }
    }
    if (process.env.GIM_BENCH_PROFILE === '1') {
      const { ops } = profileOps(() => tidy(() => s.head.loss(z, c).loss.backward()));
      process.stderr.write(`\n${s.name}: loss alone, operators by self time\n${formatOpTimes(ops, 40)}\n`);
    }
    return keep(e.next.detach());
  });
  const ratio = median(times.map((t, i) => t / floors[i]!));
  return { seconds: median(times), floorSeconds: median(floors), ratio, floor, next };
}

export function measureConfig(name: string): ConfigResult {
  const cfg = CONFIGS[name];
  if (cfg === undefined) throw new Error(`bench:train: unknown configuration '${name}'`);
  setNumThreads(2);
  const splits = cfg.splits();
  const x = keep(cfg.input());
  const perModule: Omit<ModuleResult, 'lossAlone' | 'lossFloorFlops' | 'lossFloor' | 'lossRatio'>[][] = [];
  timedStep(splits, x, []); // warm-up (allocates Adam state too)
  const idle = rssBytes();
  const peakResetWorked = resetPeakRss();
  const stepTimes: number[] = [];
  for (let i = 0; i < cfg.steps; i++) stepTimes.push(timedStep(splits, x, perModule));
  const peak = peakRssBytes() - idle;
  let input = x;
  const modules: ModuleResult[] = splits.map((s, m) => {
    const rows = perModule[m]!;
    const alone = lossAlone(s, input);
    if (input !== x) input.dispose();
    input = alone.next;
    return {
      name: s.name,
      encoderForward: median(rows.map((r) => r.encoderForward)),
      lossForward: median(rows.map((r) => r.lossForward)),
      backward: median(rows.map((r) => r.backward)),
      lossAlone: alone.seconds,
      lossFloor: alone.floorSeconds,
      lossRatio: alone.ratio,
      encoderFlops: rows[0]!.encoderFlops,
      lossFlops: rows[0]!.lossFlops,
      lossFloorFlops: alone.floor,
    };
  });
  return {
    name,
    modules,
    stepSeconds: median(stepTimes),
    peakActivationBytes: peak,
    peakResetWorked,
  };
}
