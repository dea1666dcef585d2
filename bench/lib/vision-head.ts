/**
 * The supervised rows' own classifiers: the accuracy of each SupervisedModule's classifier head (grid average →
 * Linear) on the centre crops of the test images and of the training images, read from a trained run's newest
 * checkpoint — what the network trained on labels itself predicts, with no probe in between.
 */
import fs from 'node:fs';
import path from 'node:path';
import { savedVisionConfig, type VisionConfig } from '../../src/experiments/vision/config.js';
import { evalImages, openVisionData } from '../../src/experiments/vision/data.js';
import { loadVisionStack } from '../../src/experiments/vision/experiment.js';
import type { GradientIsolatedStack } from '../../src/gim/index.js';
import { argmax, eq, narrow, noGrad, setNumThreads, sum, tidy, to, type Tensor } from '../../src/tensor/index.js';
import { SupervisedModule } from '../../src/vision/model/index.js';

/** One run's heads: per SupervisedModule (in module order), the fraction of test and training images it classifies right. */
export interface HeadAccuracy {
  run: string;
  step: number;
  images: { train: number; test: number };
  seconds: number;
  modules: { module: number; test: number; train: number }[];
}

/** headCorrect(stack, x [N, C, H, W], y [N], batchSize): per module with a classifier, how many images it gets right. */
export function headCorrect(stack: GradientIsolatedStack, x: Tensor, y: Tensor, batchSize: number): number[] {
  const heads = stack.modules.map((m) => (m instanceof SupervisedModule ? m : null));
  if (heads.every((h) => h === null)) throw new Error('headCorrect: the stack has no supervised module');
  const correct = heads.map(() => 0);
  const N = x.shape[0]!;
  noGrad(() => {
    for (let s = 0; s < N; s += batchSize) {
      tidy(() => {
        const b = Math.min(batchSize, N - s);
        const feats = stack.features(narrow(x, 0, s, b)); // per module [b, C, gh, gw]
        const labels = narrow(y, 0, s, b); // [b]
        heads.forEach((head, m) => {
          if (head === null) return;
          const logits = head.classifier.forward(feats[m]!); // [b, classes]
          correct[m]! += sum(to(eq(argmax(logits, 1), labels), { dtype: 'float32' })).item();
        });
      });
    }
  });
  return correct;
}

/** supervisedHeadAccuracy(run, maxTrain): every supervised module's head on all test images and the first maxTrain (0: all) train images. */
export function supervisedHeadAccuracy(run: string, maxTrain = 0): HeadAccuracy {
  const config: VisionConfig = savedVisionConfig(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')));
  setNumThreads(config.threads);
  const started = performance.now();
  const data = openVisionData(config);
  const train = evalImages(config, data.train, maxTrain);
  const test = evalImages(config, data.test, 0);
  const { stack, step } = loadVisionStack(run, config, data.classes);
  try {
    const batch = config.probe.featureBatch;
    const [nTrain, nTest] = [train.y.shape[0]!, test.y.shape[0]!];
    const onTest = headCorrect(stack, test.x, test.y, batch);
    const onTrain = headCorrect(stack, train.x, train.y, batch);
    const modules = stack.modules
      .map((m, i) => ({ m, i }))
      .filter(({ m }) => m instanceof SupervisedModule)
      .map(({ i }) => ({ module: i, test: onTest[i]! / nTest, train: onTrain[i]! / nTrain }));
    const seconds = (performance.now() - started) / 1000;
    return { run, step, images: { train: nTrain, test: nTest }, seconds, modules };
  } finally {
    stack.dispose();
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    data.close();
  }
}
