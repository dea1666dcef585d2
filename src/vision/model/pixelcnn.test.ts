import { describe, expect, it } from 'vitest';
import {
  abs,
  conv2d,
  manualSeed,
  max,
  mul,
  narrow,
  noGrad,
  ones,
  randn,
  sub,
  sum,
  tidy,
  zeros,
  cat,
} from '../../tensor/index.js';
import { MaskedConv3x3, PixelCNN } from './pixelcnn.js';

describe('PixelCNN context network', () => {
  it('is causal over rows: d c[row i] / d z[row r] is exactly 0 for r > i and nonzero for i − layers ≤ r ≤ i', () => {
    manualSeed(0);
    const layers = 3;
    const net = new PixelCNN(4, 6, layers, 4);
    const [H, W] = [7, 5];
    const z = randn([2, 4, H, W]).requireGrad();
    for (let i = 0; i < H; i++) {
      z.zeroGrad();
      tidy(() => sum(narrow(net.forward(z), 2, i, 1)).backward());
      const perRow = tidy(() => {
        const g = abs(z.grad!); // [2, 4, H, W]
        return Array.from({ length: H }, (_, r) => sum(narrow(g, 2, r, 1)).item());
      });
      perRow.forEach((v, r) => {
        if (r > i) expect(v, `c row ${i} ← z row ${r}`).toBe(0);
        else if (r >= i - layers) expect(v, `c row ${i} ← z row ${r}`).toBeGreaterThan(0);
      });
    }
    net.dispose();
  });

  it('MaskedConv3x3 equals a 3×3 "same" conv whose bottom kernel row is masked to zero (the reference\'s only_vert)', () => {
    manualSeed(1);
    const conv = new MaskedConv3x3(3, 5);
    const x = randn([2, 3, 6, 4]);
    const mask = cat([ones([5, 3, 2, 3]), zeros([5, 3, 1, 3])], 2);
    const [y, ref] = noGrad(() => [conv.forward(x), conv2d(x, mul(conv.weight, mask), conv.bias, { padding: 1 })]);
    expect(y.shape).toEqual([2, 5, 6, 4]);
    expect(max(abs(sub(y, ref))).item()).toBeLessThan(1e-5);
    // the masked row takes no gradient
    tidy(() => sum(conv.forward(x)).backward());
    expect(sum(abs(narrow(conv.weight.grad!, 2, 2, 1))).item()).toBe(0);
    expect(sum(abs(narrow(conv.weight.grad!, 2, 0, 2))).item()).toBeGreaterThan(0);
    conv.dispose();
  });

  it('has the reference layout: gated layers (vertical 3×3, v→h 1×1, horizontal 1×3, output 1×1, residual on secondaries)', () => {
    const [inC, C, L, outC] = [8, 6, 4, 8];
    const net = new PixelCNN(inC, C, L, outC);
    const conv = (i: number, o: number, k: number) => i * o * k + o;
    const primary = conv(inC, 2 * C, 9) + conv(2 * C, 2 * C, 1) + conv(inC, 2 * C, 3) + conv(C, C, 1);
    const secondary = conv(C, 2 * C, 9) + conv(2 * C, 2 * C, 1) + conv(C, 2 * C, 3) + conv(C, C, 1) + conv(C, 2 * C, 1);
    expect(net.numParameters()).toBe(primary + (L - 1) * secondary + conv(C, outC, 1));
    expect(net.layers[0]!.residualVertical).toBeNull();
    expect(noGrad(() => net.forward(randn([1, inC, 7, 7])).shape)).toEqual([1, outC, 7, 7]);
    net.dispose();
  });
});
