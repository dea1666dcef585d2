import { describe, expect, it } from 'vitest';
import { manualSeed, randn, tidy } from '../tensor/index.js';
import { audioModuleNames, buildAudioModules, framesFor, moduleLayout, paperAudioEncoder } from './model.js';

const narrowWidth = { ...paperAudioEncoder, channels: 8, hidden: 4 };

describe('audio model', () => {
  it("gives the reference's frame counts per conv layer for a 20480-sample window", () => {
    const lengths = [1, 2, 3, 4, 5].map((n) =>
      framesFor(20480, {
        ...paperAudioEncoder,
        kernels: paperAudioEncoder.kernels.slice(0, n),
        strides: paperAudioEncoder.strides.slice(0, n),
        paddings: paperAudioEncoder.paddings.slice(0, n),
      }),
    );
    expect(lengths).toEqual([4095, 1023, 512, 257, 128]);
  });

  it('cuts into 6 (every layer), 5 (conv5 with the GRU) or 1 (CPC) modules', () => {
    expect(moduleLayout({ ...paperAudioEncoder, modelSplits: 6 }).map((l) => [l.convs, l.gru])).toEqual([
      [[0], false],
      [[1], false],
      [[2], false],
      [[3], false],
      [[4], false],
      [[], true],
    ]);
    expect(moduleLayout({ ...paperAudioEncoder, modelSplits: 5 }).at(-1)).toEqual({ convs: [4], gru: true });
    expect(moduleLayout({ ...paperAudioEncoder, modelSplits: 1 })).toEqual([{ convs: [0, 1, 2, 3, 4], gru: true }]);
  });

  it('names the modules after the layers moduleLayout gives them (one module: cpc)', () => {
    const names = (modelSplits: number): string[] => audioModuleNames({ ...paperAudioEncoder, modelSplits });
    expect(names(6)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'gru']);
    expect(names(5)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5+gru']);
    expect(names(1)).toEqual(['cpc']);
    expect(
      audioModuleNames({ ...paperAudioEncoder, kernels: [10, 8], strides: [5, 4], paddings: [2, 2], modelSplits: 3 }),
    ).toEqual(['conv1', 'conv2', 'gru']);
    expect(() => names(4)).toThrow(/modelSplits must be 1, 5 or 6/);
  });

  it('hands the loss c = zᵀ itself without a GRU (one gradient into z), and the GRU output with one', () => {
    manualSeed(0);
    tidy(() => {
      const [conv1, , , , , gruModule] = buildAudioModules(narrowWidth);
      const z = conv1!.encode(randn([2, 1, 2560])); // [B, C, T]
      const a = conv1!.lossInputs(z);
      expect(a.c).toBe(a.zt); // the same tensor, so InfoNCE reads contexts and targets through one gather
      expect(a.zt.shape).toEqual([2, z.shape[2], 8]);
      const b = gruModule!.lossInputs(randn([2, 8, 16]));
      expect(b.c).not.toBe(b.zt);
      expect(b.c.shape).toEqual([2, 16, 4]); // [B, T, hidden]
      expect(b.zt.shape).toEqual([2, 16, 8]);
    });
  });
});
