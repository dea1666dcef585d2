/** buildAudioModules refuses configs whose lists disagree or whose counts are not positive, naming the field. */
import { describe, expect, it } from 'vitest';
import { buildAudioModules, framesFor, paperAudioEncoder, type AudioObjective } from './model.js';

const narrow = { ...paperAudioEncoder, channels: 8, hidden: 4 };

describe('audio model config', () => {
  it('refuses a strides or paddings list that does not have one entry per kernel', () => {
    expect(() => buildAudioModules({ ...narrow, strides: [5, 4, 2] })).toThrow(
      /buildAudioModules: strides must be a list of 5 entries \(one per conv layer, as kernels\), got 3: \[5, 4, 2\]/,
    );
    expect(() => buildAudioModules({ ...narrow, paddings: [2, 2, 2, 2, 1, 0] })).toThrow(
      /buildAudioModules: paddings must be a list of 5 entries/,
    );
    expect(() => framesFor(20480, { ...narrow, strides: [5, 4] })).toThrow(/framesFor: strides must be a list of 5/);
  });

  it('refuses negativeSamples, predictionSteps and sizes that are not positive integers', () => {
    expect(() => buildAudioModules({ ...narrow, negativeSamples: 0 })).toThrow(
      /buildAudioModules: negativeSamples must be a positive integer, got 0/,
    );
    expect(() => buildAudioModules({ ...narrow, predictionSteps: 2.5 })).toThrow(/buildAudioModules: predictionSteps/);
    expect(() => buildAudioModules({ ...narrow, channels: 0 })).toThrow(/buildAudioModules: channels/);
    expect(() => buildAudioModules({ ...narrow, window: 0 })).toThrow(/buildAudioModules: window/);
    expect(() => buildAudioModules({ ...narrow, kernels: [10, 0, 4, 4, 4] })).toThrow(
      /buildAudioModules: kernels\[1\] must be a positive integer, got 0/,
    );
    expect(() => buildAudioModules({ ...narrow, strides: [5, 4, 2, 2, -2] })).toThrow(/strides\[4\]/);
    expect(() => buildAudioModules({ ...narrow, paddings: [2, 2, 2, 2, -1] })).toThrow(
      /paddings\[4\] must be a non-negative integer/,
    );
    expect(() => buildAudioModules({ ...narrow, kernels: [], strides: [], paddings: [] })).toThrow(
      /kernels must be a non-empty list/,
    );
  });

  it('refuses an unknown objective or a supervised one without classes', () => {
    expect(() => buildAudioModules(narrow, { kind: 'speaker', classes: 0 })).toThrow(
      /buildAudioModules: objective\.classes must be a positive integer, got 0/,
    );
    expect(() => buildAudioModules(narrow, { kind: 'words' } as unknown as AudioObjective)).toThrow(
      /buildAudioModules: objective\.kind must be one of "infonce", "clapp", "speaker", "phone", got "words"/,
    );
  });
});
