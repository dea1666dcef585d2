/**
 * Is the paper's head (a linear classifier on the globally averaged feature map) what slows Table 1's supervised
 * rows? `npx tsx bench/vision-pooling-check.ts [STEPS]` trains one plain CNN (conv 3×3 32 → ReLU → max-pool 2 → conv
 * 3×3 64 → ReLU → max-pool 2, the 8×8 map) twice on the vision-small preset's batches (Fashion-MNIST, batch 32, Adam
 * 1e-3, the same augmentation and order): once with a linear classifier on the flattened 64×8×8 map, once on its
 * global average (64-d), as the paper's head. Prints one JSON line per head: mean training-batch accuracy per 200 steps
 * and the test accuracy on the 10k test images (centre crops) at the end.
 */
import { resolveVisionConfig } from '../src/experiments/vision/config.js';
import { evalImages, openVisionData, TrainBatches } from '../src/experiments/vision/data.js';
import { Adam, Conv2d, Linear, Module } from '../src/nn/index.js';
import { classificationAccuracy } from '../src/vision/model/index.js';
import {
  argmax,
  crossEntropy,
  eq,
  flatten,
  manualSeed,
  maxPool2d,
  mean,
  narrow,
  noGrad,
  relu,
  setNumThreads,
  sum,
  tidy,
  to,
  type Tensor,
} from '../src/tensor/index.js';

type Head = 'flatten' | 'global-average';
const WINDOW = 200;
const EVAL_BATCH = 500;

class SmallCnn extends Module {
  readonly conv1 = this.registerModule('conv1', new Conv2d(1, 32, 3, { padding: 1 }));
  readonly conv2 = this.registerModule('conv2', new Conv2d(32, 64, 3, { padding: 1 }));
  readonly classifier: Linear;

  constructor(readonly head: Head) {
    super();
    this.classifier = this.registerModule('classifier', new Linear(head === 'flatten' ? 64 * 8 * 8 : 64, 10));
  }

  forward(x: Tensor): Tensor {
    const h1 = maxPool2d(relu(this.conv1.forward(x)), 2); // [B, 32, 16, 16]
    const h2 = maxPool2d(relu(this.conv2.forward(h1)), 2); // [B, 64, 8, 8]
    return this.classifier.forward(this.head === 'flatten' ? flatten(h2, 1) : mean(h2, [2, 3])); // [B, 10]
  }
}

const steps = Number(process.argv[2] ?? 600);
if (!Number.isInteger(steps) || steps < WINDOW) {
  console.error(`STEPS: expected an integer ≥ ${WINDOW}, got ${process.argv[2]}`);
  process.exit(2);
}
setNumThreads(2);
const config = resolveVisionConfig('small');
const data = openVisionData(config);
const batches = new TrainBatches(config, data.train);
const test = evalImages(config, data.test);
for (const head of ['flatten', 'global-average'] as const) {
  manualSeed(config.seed);
  const net = new SmallCnn(head);
  const optimizer = new Adam(net, { lr: config.train.lr });
  const batchAccuracy: number[] = [];
  let correct = 0;
  for (let step = 0; step < steps; step++) {
    correct += tidy(() => {
      const { x, y } = batches.at(step);
      const logits = net.forward(x); // [B, 10]
      crossEntropy(logits, y).backward();
      optimizer.step();
      optimizer.zeroGrad();
      return classificationAccuracy(logits, y);
    });
    if ((step + 1) % WINDOW === 0) {
      batchAccuracy.push(Number((correct / WINDOW).toFixed(4)));
      correct = 0;
    }
  }
  const n = test.y.shape[0]!;
  let right = 0;
  for (let at = 0; at < n; at += EVAL_BATCH) {
    const size = Math.min(EVAL_BATCH, n - at);
    right += tidy(() =>
      noGrad(() => {
        const logits = net.forward(narrow(test.x, 0, at, size));
        return sum(to(eq(argmax(logits, 1), narrow(test.y, 0, at, size)), { dtype: 'float32' })).item();
      }),
    );
  }
  console.log(
    JSON.stringify({ head, steps, batchSize: config.train.batchSize, batchAccuracy, testAccuracy: right / n }),
  );
  net.dispose();
}
data.close();
