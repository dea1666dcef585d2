import { describe, expect, it } from 'vitest';
import {
  add,
  conv2d,
  groupNorm,
  manualSeed,
  max,
  abs,
  randn,
  relu,
  sub,
  noGrad,
  zerosLike,
  copyInto,
} from '../../tensor/index.js';
import {
  EncoderPart,
  PreActBottleneck,
  TINY_VISION_ENCODER,
  checkConfig,
  paperVisionEncoder,
  stageOutputSize,
} from './resnet.js';
import { buildVisionModules } from './modules.js';

const maxDiff = (a: Parameters<typeof sub>[0], b: Parameters<typeof sub>[0]): number => max(abs(sub(a, b))).item();

describe('vision ResNet (pre-activation bottleneck, no batch norm)', () => {
  it("per-module encoder parameter counts match the paper's 216,064 / 1,216,000 / 7,088,128", () => {
    const modules = buildVisionModules(paperVisionEncoder);
    expect(modules.map((m) => m.encoder.numParameters())).toEqual([216_064, 1_216_000, 7_088_128]);
    // plus each module's InfoNCE head: K = 5 maps C×C, no bias
    expect(modules.map((m) => m.head.numParameters())).toEqual([5 * 256 ** 2, 5 * 512 ** 2, 5 * 1024 ** 2]);
    expect(modules.map((m) => m.autoregressor)).toEqual([null, null, null]);
    for (const m of modules) m.dispose();
  });

  it('the CPC encoder (modelSplits 1) holds the same 8,520,192 encoder parameters in one module', () => {
    const enc = new EncoderPart(paperVisionEncoder, [0, 1, 2], true);
    expect(enc.numParameters()).toBe(216_064 + 1_216_000 + 7_088_128);
    expect(enc.outChannels).toBe(1024);
    expect(stageOutputSize(paperVisionEncoder, [0, 1, 2], 16)).toBe(4);
    enc.dispose();
  });

  it('state-dict names follow stem / layer{s}.{i}.conv{1,2,3} / shortcut', () => {
    const enc = new EncoderPart(paperVisionEncoder, [0], true);
    const names = enc.namedParameters().map(([n]) => n);
    expect(names.slice(0, 4)).toEqual(['stem.weight', 'stem.bias', 'layer0.0.conv1.weight', 'layer0.0.conv1.bias']);
    expect(names).toContain('layer0.0.shortcut.bias');
    expect(names.some((n) => n.startsWith('layer0.1.shortcut'))).toBe(false);
    enc.dispose();
  });

  it('a projecting block adds conv1×1(relu(x)) (pre-activated shortcut); an identity block adds x itself', () => {
    manualSeed(0);
    const proj = new PreActBottleneck(8, 4, 2, 4); // 8 → 16 channels, stride 2: projection shortcut
    const ident = new PreActBottleneck(16, 4, 1, 4); // 16 → 16: identity shortcut
    expect(proj.shortcut).not.toBeNull();
    expect(ident.shortcut).toBeNull();
    noGrad(() => {
      for (const b of [proj, ident]) for (const p of b.conv3.parameters()) copyInto(p, zerosLike(p)); // residual path ≡ 0
      const x = randn([2, 8, 6, 6]);
      const y = proj.forward(x);
      expect(y.shape).toEqual([2, 16, 3, 3]);
      expect(maxDiff(y, conv2d(relu(x), proj.shortcut!.weight, proj.shortcut!.bias, { stride: 2 }))).toBeLessThan(1e-6);
      const x2 = randn([2, 16, 5, 5]);
      expect(maxDiff(ident.forward(x2), x2)).toBe(0); // x, not relu(x)
    });
    proj.dispose();
    ident.dispose();
  });

  it('normGroups: a GroupNorm before each ReLU (norm1 on the input, norm2, norm3), none by default', () => {
    manualSeed(2);
    const plain = new PreActBottleneck(8, 4, 1, 4);
    expect(plain.norms).toBeNull();
    plain.dispose();
    const block = new PreActBottleneck(8, 4, 1, 4, 2);
    const names = block.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.startsWith('norm'))).toEqual([
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
      'norm3.weight',
      'norm3.bias',
    ]);
    noGrad(() => {
      const x = randn([3, 8, 5, 5]);
      const [c1, c2, c3] = [block.conv1, block.conv2, block.conv3];
      const a = relu(groupNorm(x, 2));
      const h1 = relu(groupNorm(conv2d(a, c1.weight, c1.bias), 2));
      const h2 = relu(groupNorm(conv2d(h1, c2.weight, c2.bias, { padding: 1 }), 2));
      const short = conv2d(a, block.shortcut!.weight, block.shortcut!.bias); // 8 → 16 channels: projection
      const want = add(conv2d(h2, c3.weight, c3.bias), short);
      expect(maxDiff(block.forward(x), want)).toBeLessThan(1e-5); // weight 1, bias 0: a plain group norm
    });
    block.dispose();
  });

  it('normGroups must divide every normalised width, named in the error', () => {
    expect(() => checkConfig({ ...TINY_VISION_ENCODER, normGroups: 4 })).not.toThrow(); // widths 8, 4, 16, 8, 32
    expect(() => checkConfig({ ...TINY_VISION_ENCODER, normGroups: 3 })).toThrow(
      /normGroups \(3\) must divide every normalised width .*8 is not a multiple/,
    );
  });

  it('paper-width patch shapes: 1×16×16 → 256×16×16 → 512×8×8 → 1024×4×4', () => {
    manualSeed(1);
    const parts = [0, 1, 2].map((s) => new EncoderPart(paperVisionEncoder, [s], s === 0));
    const shapes = noGrad(() => {
      let h = randn([2, 1, 16, 16]);
      return parts.map((p) => (h = p.forward(h)).shape);
    });
    expect(shapes).toEqual([
      [2, 256, 16, 16],
      [2, 512, 8, 8],
      [2, 1024, 4, 4],
    ]);
    for (const p of parts) p.dispose();
  });
});
