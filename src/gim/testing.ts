/** Test fixtures for src/gim: a small module with the shape of one audio GIM module. */
import { Conv1d } from '../nn/index.js';
import { relu, transpose, type Tensor } from '../tensor/index.js';
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
