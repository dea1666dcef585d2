import { describe, expect, it } from 'vitest';
import { GradientIsolatedStack } from '../../src/gim/index.js';
import { liveTensors, manualSeed, noGrad, tensor } from '../../src/tensor/index.js';
import {
  TINY_VISION_ENCODER,
  buildSupervisedVisionModules,
  classificationAccuracy,
} from '../../src/vision/model/index.js';
import { gratings } from '../../src/vision/model/testing.js';
import { headCorrect } from './vision-head.js';

describe('supervised head accuracy', () => {
  it("counts what each module's own classifier gets right, in batches, as one pass over all images does", () => {
    manualSeed(3);
    const stack = new GradientIsolatedStack(buildSupervisedVisionModules(TINY_VISION_ENCODER, 2));
    const labels = [0, 1, 1, 0, 1, 0, 0];
    const x = gratings(labels.length, 32, 5, labels); // [7, 1, 32, 32]
    const y = tensor(labels, [labels.length], { dtype: 'int64' });
    const live = liveTensors();
    const batched = headCorrect(stack, x, y, 3); // batches of 3, 3, 1
    expect(liveTensors()).toBe(live);
    const whole = noGrad(() => {
      const feats = stack.features(x); // per module [7, C, gh, gw]
      return stack.modules.map((m, i) => {
        const head = (m as ReturnType<typeof buildSupervisedVisionModules>[number]).classifier;
        return Math.round(classificationAccuracy(head.forward(feats[i]!), y) * labels.length);
      });
    });
    expect(batched).toEqual(whole);
    expect(batched).toHaveLength(3);
    for (const c of batched) expect(Number.isInteger(c) && c >= 0 && c <= labels.length).toBe(true);
    stack.dispose();
  });
});
