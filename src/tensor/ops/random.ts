/** Random numbers from libtorch's generator: seeding, state, and sampling. */
import { native } from '../native.js';
import { checkShape, scalarTypeCode, type DType } from '../dtype.js';
import { opTensor, opInPlace, type Tensor } from '../tensor.js';
import type { CreationArgs } from './creation.js';
import { integer, integerIn, nonNegativeInteger } from '../../util/check.js';

/** Seed the global generator (CPU and CUDA), as torch.manual_seed. */
export function manualSeed(seed: number): void {
  native.manualSeed(integerIn('manualSeed', 'seed', seed, 0, Number.MAX_SAFE_INTEGER));
}

/** The CPU generator's full state, to save in a checkpoint. */
export function getRngState(): Uint8Array {
  return native.getRngState();
}

/** Restore a state from getRngState(). */
export function setRngState(state: Uint8Array): void {
  native.setRngState(state);
}

function dev(fn: string, args: CreationArgs, dtype: DType): [number, null, string | null] {
  return [scalarTypeCode(fn, args.dtype ?? dtype), null, args.device ?? null];
}

function grad(t: Tensor, args: CreationArgs): Tensor {
  return args.requiresGrad ? t.requireGrad() : t;
}

/** rand(shape): uniform on [0, 1). */
export function rand(shape: readonly number[], args: CreationArgs = {}): Tensor {
  checkShape('rand', shape);
  return grad(opTensor('aten::rand', '', [[...shape], ...dev('rand', args, 'float32')]), args);
}

/** randn(shape): standard normal. */
export function randn(shape: readonly number[], args: CreationArgs = {}): Tensor {
  checkShape('randn', shape);
  return grad(opTensor('aten::randn', '', [[...shape], ...dev('randn', args, 'float32')]), args);
}

/** randint(low, high, shape): integers uniform on [low, high). */
export function randint(low: number, high: number, shape: readonly number[], args: CreationArgs = {}): Tensor {
  integer('randint', 'low', low);
  integer('randint', 'high', high);
  if (high <= low) throw new RangeError(`randint: high must be > low = ${low}, got ${high}`);
  checkShape('randint', shape);
  return opTensor('aten::randint', 'low', [low, high, [...shape], ...dev('randint', args, 'int64')]);
}

/** randperm(n): a random permutation of 0..n-1. */
export function randperm(n: number, args: CreationArgs = {}): Tensor {
  return opTensor('aten::randperm', '', [nonNegativeInteger('randperm', 'n', n), ...dev('randperm', args, 'int64')]);
}

/** dropout(x, p, train): zero each element with probability p and scale the rest by 1/(1-p) when training. */
export function dropout(x: Tensor, p: number, train = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout(p): p must be in [0, 1], got ${p}`);
  return opTensor('aten::dropout', '', [x, p, train]);
}

/** uniform_(x, a, b): fill x in place from U(a, b) (for initialisation). */
export function uniformInPlace(x: Tensor, low: number, high: number): Tensor {
  return opInPlace(x, 'aten::uniform_', '', [low, high]);
}
