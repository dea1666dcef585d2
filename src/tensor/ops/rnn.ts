/** Gated recurrent units: the fused multi-layer GRU and a single GRU cell. */
import { countingFlops, recordFlops } from '../flops.js';
import { op, opTensor, type Tensor } from '../tensor.js';

/** Forward FLOPs of GRU steps: 2 · rows · (|W_ih| + |W_hh|) per layer. */
function countGru(rows: number, layers: GruLayerWeights[]): void {
  if (countingFlops())
    recordFlops(
      'rnn',
      layers.reduce((n, l) => n + 2 * rows * (l.wIh.size + l.wHh.size), 0),
    );
}

/** Weights of one GRU layer, PyTorch's layout: wIh [3H, in], wHh [3H, H], bIh [3H], bHh [3H] (gates r, z, n). */
export interface GruLayerWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

export interface GruArgs {
  batchFirst?: boolean;
  dropout?: number;
  train?: boolean;
}

/**
 * gru(x, h0, layers): r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(…), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 * h' = (1 − z) ⊙ n + z ⊙ h. x: [B, T, in] when batchFirst else [T, B, in]; h0: [layers, B, H].
 * Returns [output [B, T, H] (or [T, B, H]), hN [layers, B, H]].
 */
export function gru(x: Tensor, h0: Tensor, layers: GruLayerWeights[], args: GruArgs = {}): [Tensor, Tensor] {
  const hasBiases = layers.every((l) => l.bIh !== null && l.bHh !== null);
  const params = layers.flatMap((l) => (hasBiases ? [l.wIh, l.wHh, l.bIh!, l.bHh!] : [l.wIh, l.wHh]));
  countGru(x.shape[0]! * x.shape[1]!, layers);
  return op('aten::gru', 'input', [
    x,
    h0,
    params,
    hasBiases,
    layers.length,
    args.dropout ?? 0,
    args.train ?? true,
    false,
    args.batchFirst ?? false,
  ]) as [Tensor, Tensor];
}

/** gruCell(x [B, in], h [B, H], weights) → h' [B, H]: one step of the recurrence above. */
export function gruCell(x: Tensor, h: Tensor, w: GruLayerWeights): Tensor {
  countGru(x.shape[0]!, [w]);
  return opTensor('aten::gru_cell', '', [x, h, w.wIh, w.wHh, w.bIh, w.bHh]);
}
