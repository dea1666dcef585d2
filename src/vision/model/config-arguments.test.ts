/** The vision builders refuse configs whose lists disagree or whose sizes are not positive, naming the field. */
import { describe, expect, it } from 'vitest';
import { buildVisionModules } from './modules.js';
import { PixelCNN } from './pixelcnn.js';
import { buildSupervisedVisionModules } from './supervised.js';
import { TINY_VISION_ENCODER } from './resnet.js';

describe('vision model config', () => {
  it('refuses blocks or stageStrides lists without one entry per stage', () => {
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, stageStrides: [1, 2] })).toThrow(
      /buildVisionModules: stageStrides must be a list of 3 entries \(one per stage, as planes\), got 2: \[1, 2\]/,
    );
    expect(() => buildSupervisedVisionModules({ ...TINY_VISION_ENCODER, blocks: [1, 1, 1, 1] }, 10)).toThrow(
      /buildSupervisedVisionModules: blocks must be a list of 3 entries/,
    );
  });

  it('refuses counts and sizes that are not positive integers', () => {
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, negativeSamples: 0 })).toThrow(
      /buildVisionModules: negativeSamples must be a positive integer, got 0/,
    );
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, predictionSteps: -1 })).toThrow(/predictionSteps/);
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, skip: -1 })).toThrow(
      /skip must be a non-negative integer/,
    );
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, planes: [4, 0, 8] })).toThrow(/planes\[1\]/);
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, stageStrides: [1, 0, 2] })).toThrow(/stageStrides\[1\]/);
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, patchStride: 0 })).toThrow(/patchStride/);
    expect(() => buildSupervisedVisionModules(TINY_VISION_ENCODER, 0)).toThrow(
      /buildSupervisedVisionModules: classes must be a positive integer, got 0/,
    );
    expect(() => new PixelCNN(4, 0, 1, 4)).toThrow(/PixelCNN: channels must be a positive integer, got 0/);
  });
});
