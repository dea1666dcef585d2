/** The Tensor: a typed face over one libtorch tensor handle, and `op`, the call into any ATen operator. */
import { native, type OpArg, type OpResult, type TensorHandle } from './native.js';
import { dtypeOf, viewAs, type AnyTypedArray, type DType } from './dtype.js';
import { track } from './scope.js';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** Whether a string names a device libtorch can be asked for ('cpu', 'cuda', 'cuda:N'). */
export function isDevice(d: string): d is Device {
  return d === 'cpu' || /^cuda(:\d+)?$/.test(d);
}

export class Tensor {
  readonly handle: TensorHandle;
  #shape?: readonly number[];
  #dtype?: DType;
  #device?: string;
  #disposed = false;

  constructor(handle: TensorHandle) {
    this.handle = handle;
    track(this);
  }

  #meta(): void {
    const [shape, code, device] = native.meta(this.handle);
    this.#shape = Object.freeze(shape);
    this.#dtype = dtypeOf(code);
    this.#device = device;
  }

  /** Sizes of each dimension. */
  get shape(): readonly number[] {
    if (this.#shape === undefined) this.#meta();
    return this.#shape!;
  }
  get dtype(): DType {
    if (this.#dtype === undefined) this.#meta();
    return this.#dtype!;
  }
  get device(): Device {
    if (this.#device === undefined) this.#meta();
    return this.#device! as Device;
  }
  get rank(): number {
    return this.shape.length;
  }
  /** Number of elements: ∏ shape. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get requiresGrad(): boolean {
    return native.meta(this.handle)[3];
  }
  set requiresGrad(on: boolean) {
    native.setRequiresGrad(this.handle, on);
  }
  /** Mark as a leaf that accumulates gradient; returns this. */
  requireGrad(on = true): this {
    native.setRequiresGrad(this.handle, on);
    return this;
  }

  /** Accumulated gradient (a new handle each call, owned by the caller / tidy), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  /** Drop the accumulated gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    native.zeroGrad(this.handle);
  }

  /** Backpropagate from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor, args: { retainGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle ?? null, args.retainGraph ?? false);
  }

  /** Make this tensor hold `src`'s data (device, dtype, values) while staying the same tensor (e.g. a parameter). */
  setData(src: Tensor): void {
    native.setData(this.handle, src.handle);
    this.#shape = undefined;
    this.#dtype = undefined;
    this.#device = undefined;
  }

  /** Same values, cut from the autograd graph (the gradient block). Shares memory. */
  detach(): Tensor {
    return op('aten::detach', '', [this]) as Tensor;
  }

  /** Values as a flat, row-major typed array (a copy). */
  data(): AnyTypedArray {
    return viewAs(native.toBuffer(this.handle), this.dtype);
  }
  /** Values as a flat number[] (int64 converted to number). */
  toArray(): number[] {
    const d = this.data();
    return Array.from(d as ArrayLike<number | bigint>, (v) => Number(v));
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} elements (shape [${this.shape.join(', ')}])`);
    return this.toArray()[0]!;
  }

  /** Free the native memory now. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    native.dispose(this.handle);
  }
  get isDisposed(): boolean {
    return this.#disposed || native.isDisposed(this.handle);
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}

export type OpInput = Tensor | number | boolean | string | null | undefined | OpInput[];
export type OpOutput = Tensor | number | boolean | null | OpOutput[];

function toArg(a: OpInput): OpArg {
  if (a instanceof Tensor) return a.handle;
  if (Array.isArray(a)) return a.map(toArg);
  return a;
}

function fromResult(r: OpResult): OpOutput {
  if (Array.isArray(r)) return r.map(fromResult);
  if (r !== null && typeof r === 'object') return new Tensor(r);
  return r;
}

/**
 * Call ATen operator `name.overload` with positional arguments in schema order (undefined → schema default).
 * Tensors in the result are new handles owned by the caller (or the enclosing tidy).
 */
export function op(name: string, overload: string, args: OpInput[]): OpOutput {
  return fromResult(native.callOp(name, overload, args.map(toArg)));
}

/** `op` for operators that return exactly one tensor. */
export function opTensor(name: string, overload: string, args: OpInput[]): Tensor {
  return op(name, overload, args) as Tensor;
}

/** `op` for in-place operators (`add_`, `uniform_`…): runs for effect and returns `self`. */
export function opInPlace(self: Tensor, name: string, overload: string, args: OpInput[]): Tensor {
  const r = native.callOp(name, overload, [self.handle, ...args.map(toArg)]);
  if (r !== null && typeof r === 'object' && !Array.isArray(r)) native.dispose(r);
  return self;
}
