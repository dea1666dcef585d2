/** Test fixtures for src/gim: a small module with the shape of one audio GIM module; finite differences of a loss. */
import { expect } from 'vitest';
import { Conv1d, type Module } from '../nn/index.js';
import { noGrad, relu, to, transpose, type Tensor } from '../tensor/index.js';
import { InfoNCEHead } from './head.js';
import { GimModule, type ModuleStep } from './module.js';

/** Conv1d(k 3) + ReLU trained by its own sequence InfoNCE with c = z. */
export class ConvModule extends GimModule {
  readonly conv: Conv1d;
  readonly head: InfoNCEHead;
  constructor(inC: number, outC: number, infoNCE: { predictionSteps: number; negativeSamples: number }) {
    super();
    this.conv = this.registerModule('conv', new Conv1d(inC, outC, 3, { padding: 1 }));
    this.head = this.registerModule(
      'head',
      new InfoNCEHead({ encodingSize: outC, contextSize: outC, ...infoNCE, form: 'sequence' }),
    );
  }
  encode(x: Tensor): Tensor {
    return relu(this.conv.forward(x)); // [B, C, T]
  }
  step(x: Tensor): ModuleStep {
    const z = this.encode(x); // [B, C, T]
    const zt = transpose(z, 1, 2); // [B, T, C]
    const r = this.head.loss(zt, zt);
    return { next: z, loss: r.loss, accuracy: r.accuracy };
  }
}

/** Every entry of `analytic` against the central difference (f(x + ε) − f(x − ε)) / 2ε around `base`, ε = 1e-6. */
export function expectFiniteDifferences(
  analytic: Float64Array,
  base: Float64Array,
  f: (x: Float64Array) => number,
  name: string,
  tolerance = 1e-6,
): void {
  const eps = 1e-6;
  for (let i = 0; i < base.length; i++) {
    const plus = Float64Array.from(base);
    const minus = Float64Array.from(base);
    plus[i]! += eps;
    minus[i]! -= eps;
    const numeric = (f(plus) - f(minus)) / (2 * eps);
    expect(Math.abs(analytic[i]! - numeric), `d loss / d ${name}[${i}]`).toBeLessThan(
      tolerance * Math.max(1, Math.abs(numeric)),
    );
  }
}

/** toFloat64(module): every parameter of `module` converted to float64 in place (for float64 tests); returns it. */
export function toFloat64<M extends Module>(module: M): M {
  noGrad(() => {
    for (const p of module.parameters()) {
      const wide = to(p, { dtype: 'float64' });
      p.setData(wide);
      wide.dispose();
    }
  });
  return module;
}

/** The values of a float64 tensor. */
export const float64Values = (t: Tensor): Float64Array => t.data() as Float64Array;
