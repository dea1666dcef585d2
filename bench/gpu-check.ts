/**
 * A CUDA check of the whole stack, for a machine with a GPU and a CUDA libtorch (LIBTORCH=…):
 * 1. op parity: conv1d, conv2d, GRU, log-softmax + NLL and matmul on CUDA equal the CPU in float64, values and grads;
 * 2. paper-width training steps on CUDA (audio GIM vs CPC at batch 8, vision GIM vs CPC at batch 32), timed;
 * 3. a short GIM training on CUDA whose every module's loss falls, and a checkpoint round trip through the CPU.
 * Prints one JSON object. Run with `npm run bench:gpu` (results/gpu/README.md has the setup).
 */
import { buildAudioModules, paperAudioEncoder } from '../src/audio/model.js';
import { GradientIsolatedStack, restoreStack, stackState } from '../src/gim/index.js';
import {
  abs,
  conv1d,
  conv2d,
  crossEntropy,
  cudaDeviceCount,
  gru,
  libtorchVersion,
  loadCheckpointSync,
  logSoftmax,
  manualSeed,
  matmul,
  max,
  mul,
  randint,
  randn,
  saveCheckpointSync,
  sub,
  sum,
  tensor,
  tidy,
  to,
  type Device,
  type Tensor,
} from '../src/tensor/index.js';
import { buildVisionModules, paperVisionEncoder } from '../src/vision/model/index.js';

type Case = { name: string; inputs: () => Tensor[]; fn: (xs: Tensor[]) => Tensor };

const cases: Case[] = [
  {
    name: 'conv1d s4',
    inputs: () => [randn([4, 16, 256]), randn([32, 16, 8])],
    fn: ([x, w]) => conv1d(x!, w!, null, { stride: 4 }),
  },
  {
    name: 'conv2d p1',
    inputs: () => [randn([4, 8, 16, 16]), randn([16, 8, 3, 3])],
    fn: ([x, w]) => conv2d(x!, w!, null, { padding: 1 }),
  },
  {
    name: 'gru',
    inputs: () => [randn([4, 20, 8]), randn([1, 4, 16]), randn([48, 8]), randn([48, 16]), randn([48]), randn([48])],
    fn: ([x, h, a, b, c, d]) => gru(x!, h!, [{ wIh: a!, wHh: b!, bIh: c!, bHh: d! }], { batchFirst: true })[0],
  },
  {
    name: 'logSoftmax+nll',
    inputs: () => [randn([64, 10])],
    fn: ([x]) =>
      crossEntropy(
        logSoftmax(x!, 1),
        tidy(() => to(randint(0, 10, [64]), { device: x!.device })),
      ),
  },
  { name: 'matmul', inputs: () => [randn([64, 32]), randn([32, 48])], fn: ([a, b]) => matmul(a!, b!) },
];

/** max |a − b| / (1 + max |b|) over the output and every input gradient, CUDA (a) against CPU (b). */
function parity(c: Case, device: Device): number {
  return tidy(() => {
    manualSeed(0);
    const cpu = c.inputs().map((t) => to(t, { dtype: 'float64' }).requireGrad());
    const gpu = cpu.map((t) => to(t.detach(), { device }).requireGrad());
    const run = (xs: Tensor[]) => {
      manualSeed(1);
      const y = c.fn(xs);
      sum(mul(y, y)).backward();
      return [y, ...xs.map((x) => x.grad!)];
    };
    const [a, b] = [run(gpu), run(cpu)];
    let worst = 0;
    a.forEach((t, i) => {
      const ref = b[i]!;
      const diff = max(abs(sub(to(t, { device: 'cpu' }), ref))).item();
      worst = Math.max(worst, diff / (1 + max(abs(ref)).item()));
    });
    return worst;
  });
}

/** Seconds of one simultaneous GIM step (synchronised by reading a loss), median of `n` after one warm-up. */
function stepSeconds(stack: GradientIsolatedStack, x: Tensor, n: number): number {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    stack.trainStep(x, { mode: 'simultaneous' }); // each module reads its loss: a device sync per module
    tidy(() => sum(stack.modules.at(-1)!.parameters()[0]!).item());
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  return times.sort((p, q) => p - q)[Math.floor(times.length / 2)]!;
}

function timedStacks(device: Device): Record<string, number> {
  const out: Record<string, number> = {};
  const configs: [string, () => GradientIsolatedStack, () => Tensor][] = [
    [
      'audio GIM (6 modules), batch 8',
      () => new GradientIsolatedStack(buildAudioModules({ ...paperAudioEncoder, modelSplits: 6 }), { lr: 2e-4 }),
      () => randn([8, 1, 20480]),
    ],
    [
      'audio CPC, batch 8',
      () => new GradientIsolatedStack(buildAudioModules({ ...paperAudioEncoder, modelSplits: 1 }), { lr: 2e-4 }),
      () => randn([8, 1, 20480]),
    ],
    [
      'vision GIM (3 modules), batch 32',
      () => new GradientIsolatedStack(buildVisionModules({ ...paperVisionEncoder, modelSplits: 3 }), { lr: 2e-4 }),
      () => randn([32, 1, 64, 64]),
    ],
    [
      'vision CPC, batch 32',
      () => new GradientIsolatedStack(buildVisionModules({ ...paperVisionEncoder, modelSplits: 1 }), { lr: 2e-4 }),
      () => randn([32, 1, 64, 64]),
    ],
  ];
  for (const [name, build, input] of configs) {
    manualSeed(0);
    const stack = build();
    for (const m of stack.modules) m.to(device);
    const x = to(input(), { device });
    out[name] = stepSeconds(stack, x, 3);
    x.dispose();
    stack.dispose();
  }
  return out;
}

/** Sinusoids with a speaker-like pitch per row: futures are predictable, so InfoNCE must fall. */
function structuredAudio(B: number, T: number, device: Device): Tensor {
  const data = new Float32Array(B * T);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      data[b * T + t] =
        0.5 * Math.sin((2 * Math.PI * (120 + 30 * b) * t) / 16000) + 0.3 * Math.sin((2 * Math.PI * 3 * t) / 16000);
  return tensor(data, [B, 1, T], { device });
}

function shortTraining(device: Device): { first: number[]; last: number[]; checkpointRoundTrip: boolean } {
  manualSeed(0);
  const config = { ...paperAudioEncoder, channels: 128, hidden: 64 };
  const stack = new GradientIsolatedStack(buildAudioModules(config), { lr: 1e-3 });
  for (const m of stack.modules) m.to(device);
  const x = structuredAudio(8, 20480, device);
  const first = stack.trainStep(x, { mode: 'simultaneous' }).map((m) => m.loss);
  let last = first;
  for (let i = 0; i < 60; i++) last = stack.trainStep(x, { mode: 'simultaneous' }).map((m) => m.loss);
  const file = '/tmp/gim-gpu-check.safetensors';
  tidy(() => saveCheckpointSync(file, { tensors: stackState(stack), metadata: { config, step: 61 } }));
  manualSeed(1);
  const copy = new GradientIsolatedStack(buildAudioModules(config), { lr: 1e-3 });
  for (const m of copy.modules) m.to(device);
  tidy(() => restoreStack(loadCheckpointSync(file).tensors, copy));
  const same = tidy(() =>
    stack.modules.every((m, i) =>
      m.parameters().every((p, j) => max(abs(sub(p, copy.modules[i]!.parameters()[j]!))).item() === 0),
    ),
  );
  const onDevice = copy.modules.every((m) => m.parameters().every((p) => p.device.startsWith(device)));
  x.dispose();
  return { first, last, checkpointRoundTrip: same && onDevice };
}

const device = (process.env.GIM_CHECK_DEVICE ?? 'cuda') as Device; // 'cpu' runs the same code path here
const report: Record<string, unknown> = { libtorch: libtorchVersion(), cudaDevices: cudaDeviceCount(), device };
if (device !== 'cpu' && cudaDeviceCount() === 0) {
  report.error = 'no CUDA device: build against a CUDA libtorch (LIBTORCH=…)';
} else {
  report.parity = Object.fromEntries(cases.map((c) => [c.name, parity(c, device)]));
  if (process.env.GIM_CHECK_SKIP_TIMING !== '1') report.stepSeconds = timedStacks(device);
  report.training = shortTraining(device);
}
console.log(JSON.stringify(report, null, 2));
