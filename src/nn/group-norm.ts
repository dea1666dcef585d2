/** GroupNorm layer. */
import { groupNorm, ones, zeros, type Tensor } from '../tensor/index.js';
import { positiveInteger } from '../util/check.js';
import { Module } from './module.js';

/**
 * GroupNorm(groups, channels): each sample's channels, cut into `groups` groups, standardised over each group's channels
 * and positions, then a learnt per-channel scale (weight, 1 at init) and shift (bias, 0) — torch.nn.GroupNorm. No
 * running statistics, so it computes the same in training and evaluation.
 */
export class GroupNorm extends Module {
  readonly groups: number;
  readonly channels: number;
  readonly weight: Tensor; // [C]
  readonly bias: Tensor; // [C]

  constructor(groups: number, channels: number) {
    super();
    positiveInteger('GroupNorm', 'groups', groups);
    positiveInteger('GroupNorm', 'channels', channels);
    if (channels % groups !== 0) {
      throw new RangeError(`GroupNorm: groups (${groups}) must divide channels (${channels})`);
    }
    this.groups = groups;
    this.channels = channels;
    this.weight = this.registerParameter('weight', ones([channels]));
    this.bias = this.registerParameter('bias', zeros([channels]));
  }

  /** forward(x [B, C, ...]) → [B, C, ...]. */
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.groups, { weight: this.weight, bias: this.bias });
  }
}
