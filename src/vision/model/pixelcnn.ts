/**
 * The context network of the CPC vision baseline: a gated PixelCNN over the grid of patch encodings, as the
 * reference's PixelCNN_Autoregressor (mask_mode "only_vert", after the gated PixelCNN of van den Oord et al. 2016).
 *
 * Causality: c at row i depends on z at rows ≤ i only (rows above and the current row, all columns). The vertical
 * stack uses 3×3 convs masked to the kernel rows at and above the centre; the horizontal stack uses 1×3 convs within
 * the row. That is safe for the grid InfoNCE: c at row i predicts row i + k + skip ≥ i + 2, which it never sees.
 */
import { Conv2d, Module } from '../../nn/index.js';
import { add, conv2d, mul, narrow, pad, sigmoid, tanh, type Tensor } from '../../tensor/index.js';
import { positiveInteger } from '../../util/check.js';

/** gate(x [N, 2C, H, W]) = tanh(x[:, :C]) ⊙ sigmoid(x[:, C:]). */
function gate(x: Tensor, C: number): Tensor {
  return mul(tanh(narrow(x, 1, 0, C)), sigmoid(narrow(x, 1, C, C)));
}

/**
 * A 3×3 conv masked to its top two kernel rows (the rows at and above the centre), with "same" output size.
 * The weight is stored 3×3 as the reference (whose mask zeroes the bottom row before each call); here the bottom row
 * is never read — the conv runs the top 2×3 of the kernel on the input padded by one row above — which gives the same
 * output at two thirds of the cost, and the unused row gets a zero gradient, as under the mask.
 */
export class MaskedConv3x3 extends Conv2d {
  constructor(inChannels: number, outChannels: number) {
    super(inChannels, outChannels, 3, { padding: 0 });
  }

  /** forward(x [N, in, H, W]) → [N, out, H, W]; output row i sees input rows i − 1 and i. */
  override forward(x: Tensor): Tensor {
    const w = narrow(this.weight, 2, 0, 2); // [out, in, 2, 3]: kernel rows above and at the centre
    const xp = pad(x, [1, 1, 1, 0]); // one column left and right, one row on top
    return conv2d(xp, w, this.bias);
  }
}

/** One gated layer: vertical (masked 3×3) and horizontal (1×3) stacks, v→h link, residuals on secondary layers. */
export class PixelCNNGatedLayer extends Module {
  readonly verticalConv: MaskedConv3x3;
  readonly vToH: Conv2d;
  readonly horizontalConv: Conv2d;
  readonly residualVertical: Conv2d | null;
  readonly horizontalOutput: Conv2d;

  constructor(
    inChannels: number,
    readonly channels: number,
    readonly primary: boolean,
  ) {
    super();
    const C2 = 2 * channels;
    this.verticalConv = this.registerModule('vertical_conv', new MaskedConv3x3(inChannels, C2));
    this.vToH = this.registerModule('v_to_h_conv', new Conv2d(C2, C2, 1));
    this.horizontalConv = this.registerModule(
      'horizontal_conv',
      new Conv2d(inChannels, C2, [1, 3], { padding: [0, 1] }),
    );
    this.residualVertical = primary ? null : this.registerModule('residual_vertical', new Conv2d(inChannels, C2, 1));
    this.horizontalOutput = this.registerModule('horizontal_output', new Conv2d(channels, channels, 1));
  }

  /** forward(v, h) → [v', h']: both [N, channels, H, W]. */
  forward(v: Tensor, h: Tensor): [Tensor, Tensor] {
    let vPre = this.verticalConv.forward(v); // [N, 2C, H, W]
    const hPre = add(this.horizontalConv.forward(h), this.vToH.forward(vPre)); // [N, 2C, H, W]
    if (this.residualVertical !== null) vPre = add(vPre, this.residualVertical.forward(v));
    const hOut = this.horizontalOutput.forward(gate(hPre, this.channels)); // [N, C, H, W]
    return [gate(vPre, this.channels), this.primary ? hOut : add(h, hOut)];
  }
}

/**
 * PixelCNN(in, channels, layers, out): layers gated layers (the first "primary", without residuals), then a 1×1 conv
 * channels → out on the horizontal stack. forward(z [B, in, H, W]) → c [B, out, H, W], c row i a function of z rows ≤ i.
 * As in the reference, the last layer's vertical output is discarded, so its residual_vertical conv never gets a
 * gradient; it is kept so that the parameter layout (and count: 129,010,688 at 1024 channels, 4 layers) matches.
 */
export class PixelCNN extends Module {
  readonly layers: PixelCNNGatedLayer[];
  readonly stackOut: Conv2d;

  constructor(inChannels: number, channels: number, layers: number, outChannels: number) {
    super();
    positiveInteger('PixelCNN', 'inChannels', inChannels);
    positiveInteger('PixelCNN', 'channels', channels);
    positiveInteger('PixelCNN', 'layers', layers);
    positiveInteger('PixelCNN', 'outChannels', outChannels);
    this.layers = Array.from({ length: layers }, (_, i) =>
      this.registerModule(`layer${i}`, new PixelCNNGatedLayer(i === 0 ? inChannels : channels, channels, i === 0)),
    );
    this.stackOut = this.registerModule('stack_out', new Conv2d(channels, outChannels, 1));
  }

  forward(z: Tensor): Tensor {
    let v = z;
    let h = z;
    for (const layer of this.layers) [v, h] = layer.forward(v, h);
    return this.stackOut.forward(h);
  }
}
