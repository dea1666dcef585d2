/** The workloads of bench:engine (the TS side; bench/engine.py defines the same ones for Python torch). */
import {
  abs,
  conv1d,
  conv2d,
  gru,
  linear,
  logSoftmax,
  manualSeed,
  matmul,
  mul,
  nllLoss,
  noGrad,
  randint,
  randn,
  sum,
  zeros,
  type Tensor,
} from '../../src/tensor/index.js';

/** One workload: setup draws the inputs; run is the timed part; check (untimed, after the runs) returns Σ|·| values. */
export interface Instance {
  run: () => void;
  check: () => number[];
  /** Leaves whose gradient is dropped before every repetition (as `p.grad = None` in engine.py). */
  leaves: Tensor[];
  /** Every tensor the instance holds (setup runs in tidy, which keeps these; disposed after the workload). */
  inputs: Tensor[];
}

export interface Workload {
  name: string;
  label: string;
  warmup: number;
  reps: number;
  setup: () => Instance;
}

const absSum = (t: Tensor): number => sum(abs(t)).item();
const grad = (t: Tensor): Tensor => {
  const g = t.grad;
  if (g === null) throw new Error('expected a gradient after backward()');
  return g;
};
/** randn(shape) · scale as a leaf requiring grad (or not). */
const scaled = (shape: number[], scale: number, requiresGrad: boolean): Tensor => {
  const w = mul(randn(shape), scale);
  return requiresGrad ? w.requireGrad() : w;
};

export const WORKLOADS: Workload[] = [
  {
    name: 'conv2d_fwd',
    label: 'conv2d fwd [256,64,16,16] * [64,64,3,3], pad 1',
    warmup: 3,
    reps: 21,
    setup: () => {
      manualSeed(1);
      const x = randn([256, 64, 16, 16]);
      const w = scaled([64, 64, 3, 3], 1 / Math.sqrt(64 * 9), false);
      const fwd = (): Tensor => conv2d(x, w, null, { padding: 1 });
      return { run: () => void fwd(), check: () => [absSum(fwd())], leaves: [], inputs: [x, w] };
    },
  },
  {
    name: 'conv2d_fwd_bwd',
    label: 'conv2d fwd+bwd (same; grads x, w; loss = sum)',
    warmup: 3,
    reps: 15,
    setup: () => {
      manualSeed(2);
      const x = randn([256, 64, 16, 16]).requireGrad();
      const w = scaled([64, 64, 3, 3], 1 / Math.sqrt(64 * 9), true);
      const fwd = (): Tensor => conv2d(x, w, null, { padding: 1 });
      return {
        run: () => sum(fwd()).backward(),
        check: () => [noGrad(() => absSum(fwd())), absSum(grad(x)), absSum(grad(w))],
        leaves: [x, w],
        inputs: [x, w],
      };
    },
  },
  {
    name: 'conv1d_fwd_bwd',
    label: 'conv1d fwd+bwd [8,512,4096] * [512,512,8], stride 4',
    warmup: 2,
    reps: 9,
    setup: () => {
      manualSeed(3);
      const x = randn([8, 512, 4096]).requireGrad();
      const w = scaled([512, 512, 8], 1 / Math.sqrt(512 * 8), true);
      const fwd = (): Tensor => conv1d(x, w, null, { stride: 4 });
      return {
        run: () => sum(fwd()).backward(),
        check: () => [noGrad(() => absSum(fwd())), absSum(grad(x)), absSum(grad(w))],
        leaves: [x, w],
        inputs: [x, w],
      };
    },
  },
  {
    name: 'gru_fwd_bwd',
    label: 'GRU 512→256, T=128, B=8, batch_first, fwd+bwd',
    warmup: 3,
    reps: 15,
    setup: () => {
      manualSeed(4);
      const [B, T, I, H] = [8, 128, 512, 256];
      const s = 1 / Math.sqrt(H);
      const x = randn([B, T, I]);
      const h0 = zeros([1, B, H]);
      const layer = {
        wIh: scaled([3 * H, I], s, true),
        wHh: scaled([3 * H, H], s, true),
        bIh: scaled([3 * H], s, true),
        bHh: scaled([3 * H], s, true),
      };
      const fwd = (): Tensor => gru(x, h0, [layer], { batchFirst: true })[0];
      const leaves = [layer.wIh, layer.wHh, layer.bIh, layer.bHh];
      return {
        run: () => sum(fwd()).backward(),
        check: () => [noGrad(() => absSum(fwd())), ...leaves.map((p) => absSum(grad(p)))],
        leaves,
        inputs: [x, h0, ...leaves],
      };
    },
  },
  {
    name: 'matmul_fwd',
    label: 'matmul [1024,1024] × [1024,1024]',
    warmup: 3,
    reps: 21,
    setup: () => {
      manualSeed(5);
      const a = randn([1024, 1024]);
      const b = randn([1024, 1024]);
      return { run: () => void matmul(a, b), check: () => [absSum(matmul(a, b))], leaves: [], inputs: [a, b] };
    },
  },
  {
    name: 'linear_nll_fwd_bwd',
    label: 'linear [4096,512]→10 + logSoftmax + nll, fwd+bwd',
    warmup: 10,
    reps: 61,
    setup: () => {
      manualSeed(6);
      const x = randn([4096, 512]);
      const w = scaled([10, 512], 1 / Math.sqrt(512), true);
      const b = zeros([10]).requireGrad();
      const y = randint(0, 10, [4096]);
      const loss = (): Tensor => nllLoss(logSoftmax(linear(x, w, b), 1), y);
      return {
        run: () => loss().backward(),
        check: () => [noGrad(() => absSum(loss())), absSum(grad(w)), absSum(grad(b))],
        leaves: [w, b],
        inputs: [x, w, b, y],
      };
    },
  },
];
