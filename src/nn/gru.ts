/** Gated recurrent units: multi-layer GRU and GRUCell with PyTorch's parameter names and shapes. */
import { gru, gruCell, zeros, type GruLayerWeights, type Tensor } from '../tensor/index.js';
import { uniform } from './init.js';
import { numberIn, positiveInteger } from '../util/check.js';
import { Module } from './module.js';

export interface GRUArgs {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Input and output are [B, T, ·] instead of [T, B, ·] (default false). */
  batchFirst?: boolean;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
}

/** A U(−1/√H, 1/√H) parameter of `shape`, torch's GRU initialisation for every weight and bias. */
function gruParam(shape: number[], hiddenSize: number): Tensor {
  const k = 1 / Math.sqrt(hiddenSize);
  return uniform(zeros(shape), -k, k);
}

/**
 * GRU(in, H): per layer l, r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h, as torch.nn.GRU. Parameters
 * weight_ih_l{l} [3H, in_l], weight_hh_l{l} [3H, H], bias_ih_l{l} [3H], bias_hh_l{l} [3H], all ~ U(±1/√H).
 */
export class GRU extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly layers: GruLayerWeights[];

  constructor(inputSize: number, hiddenSize: number, args: GRUArgs = {}) {
    super();
    positiveInteger('GRU', 'inputSize', inputSize);
    positiveInteger('GRU', 'hiddenSize', hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = positiveInteger('GRU', 'numLayers', args.numLayers ?? 1);
    this.batchFirst = args.batchFirst ?? false;
    this.dropout = numberIn('GRU', 'dropout', args.dropout ?? 0, 0, 1);
    const bias = args.bias ?? true;
    const H = hiddenSize;
    this.layers = [];
    for (let l = 0; l < this.numLayers; l++) {
      const inL = l === 0 ? inputSize : H;
      const wIh = this.registerParameter(`weight_ih_l${l}`, gruParam([3 * H, inL], H));
      const wHh = this.registerParameter(`weight_hh_l${l}`, gruParam([3 * H, H], H));
      const bIh = bias ? this.registerParameter(`bias_ih_l${l}`, gruParam([3 * H], H)) : null;
      const bHh = bias ? this.registerParameter(`bias_hh_l${l}`, gruParam([3 * H], H)) : null;
      this.layers.push({ wIh, wHh, bIh, bHh });
    }
  }

  /**
   * forward(x [B, T, in] if batchFirst else [T, B, in], h0 [L, B, H] = zeros) → [output [B, T, H] (or [T, B, H]),
   * hN [L, B, H]].
   */
  forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    if (x.rank !== 3) throw new Error(`GRU.forward: expected a 3-D input, got shape [${x.shape.join(', ')}]`);
    const batch = this.batchFirst ? x.shape[0]! : x.shape[1]!;
    const h = h0 ?? zeros([this.numLayers, batch, this.hiddenSize], { dtype: x.dtype, device: x.device });
    try {
      return gru(x, h, this.layers, { batchFirst: this.batchFirst, dropout: this.dropout, train: this.training });
    } finally {
      if (h0 === undefined) h.dispose();
    }
  }
}

export interface GRUCellArgs {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
}

/** GRUCell(in, H): one GRU step h' = (1 − z) ⊙ n + z ⊙ h; weight_ih [3H, in], weight_hh [3H, H], bias_ih/hh [3H]. */
export class GRUCell extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weights: GruLayerWeights;

  constructor(inputSize: number, hiddenSize: number, args: GRUCellArgs = {}) {
    super();
    positiveInteger('GRUCell', 'inputSize', inputSize);
    positiveInteger('GRUCell', 'hiddenSize', hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const H = hiddenSize;
    const bias = args.bias ?? true;
    const wIh = this.registerParameter('weight_ih', gruParam([3 * H, inputSize], H));
    const wHh = this.registerParameter('weight_hh', gruParam([3 * H, H], H));
    const bIh = bias ? this.registerParameter('bias_ih', gruParam([3 * H], H)) : null;
    const bHh = bias ? this.registerParameter('bias_hh', gruParam([3 * H], H)) : null;
    this.weights = { wIh, wHh, bIh, bHh };
  }

  /** forward(x [B, in], h [B, H] = zeros) → h' [B, H]. */
  forward(x: Tensor, h?: Tensor): Tensor {
    const h0 = h ?? zeros([x.shape[0]!, this.hiddenSize], { dtype: x.dtype, device: x.device });
    try {
      return gruCell(x, h0, this.weights);
    } finally {
      if (h === undefined) h0.dispose();
    }
  }
}
