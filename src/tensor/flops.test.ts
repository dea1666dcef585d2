import { describe, expect, it } from 'vitest';
import { conv1d, conv2d, countFlops, gru, linear, matmul, randn, tidy, zeros } from './index.js';

describe('countFlops', () => {
  it('counts 2·|out|·fan-in for convolutions and matrix products, 2·rows·|W| for GRUs', () =>
    tidy(() => {
      const [, c] = countFlops(() => {
        conv1d(randn([2, 3, 10]), randn([4, 3, 3])); // out [2, 4, 8]: 2·64·9
        conv2d(randn([1, 4, 6, 6]), randn([2, 2, 3, 3]), null, { groups: 2 }); // out [1, 2, 4, 4]: 2·32·18
        linear(randn([5, 3]), randn([4, 3])); // out [5, 4]: 2·20·3
        matmul(randn([2, 5, 3]), randn([3, 6])); // out [2, 5, 6]: 2·60·3
        const w = { wIh: randn([12, 3]), wHh: randn([12, 4]), bIh: null, bHh: null };
        gru(randn([2, 5, 3]), zeros([1, 2, 4]), [w], { batchFirst: true }); // 2·10·(36 + 48)
      });
      expect(c.conv).toBe(2 * 64 * 9 + 2 * 32 * 18);
      expect(c.matmul).toBe(2 * 20 * 3 + 2 * 60 * 3);
      expect(c.rnn).toBe(2 * 10 * 84);
    }));

  it('counts nothing outside a counter and nests into the outer one', () =>
    tidy(() => {
      const [, outer] = countFlops(() => {
        const [, inner] = countFlops(() => linear(randn([1, 2]), randn([3, 2])));
        expect(inner.matmul).toBe(12);
      });
      expect(outer.matmul).toBe(12);
    }));
});
