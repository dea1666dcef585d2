/** Module: a tree of named parameters, buffers and child modules, with PyTorch-compatible dotted state-dict names. */
import { copyInto, isFloating, keep, noGrad, to, type Device, type Tensor } from '../tensor/index.js';

export interface LoadStateDictArgs {
  /** Missing or unexpected keys are errors (default true), as torch's load_state_dict(strict=True). */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Module: base of every layer. Parameters are kept (they outlive tidy scopes) and owned by the module: dispose() frees
 * them. Subclasses register parameters and children in their constructor and add a `forward`.
 */
export abstract class Module {
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();
  #training = true;

  #checkName(name: string): void {
    if (name === '' || name.includes('.')) throw new Error(`${this.constructor.name}: invalid name '${name}'`);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    }
  }

  /** registerParameter(name, t): own `t` (kept), mark it as requiring grad if floating; returns t. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    keep(t);
    if (isFloating(t.dtype)) t.requireGrad(true);
    this.#parameters.set(name, t);
    return t;
  }

  /** registerBuffer(name, t): own a kept, non-trainable tensor that is part of the state dict; returns t. */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    this.#buffers.set(name, keep(t));
    return t;
  }

  /** registerModule(name, child): attach a child; its entries are named `name.…`; returns child. */
  protected registerModule<M extends Module>(name: string, child: M): M {
    this.#checkName(name);
    this.#children.set(name, child);
    return child;
  }

  /** Direct children in registration order. */
  children(): [string, Module][] {
    return [...this.#children];
  }

  /** namedParameters(): [dotted name, tensor] for this module's parameters, then each child's, depth first. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.#parameters) out.push([prefix + n, t]);
    for (const [n, c] of this.#children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** namedBuffers(): [dotted name, tensor] for every buffer, depth first. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.#buffers) out.push([prefix + n, t]);
    for (const [n, c] of this.#children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** parameters(): every parameter tensor, in namedParameters() order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** numParameters() = Σ over parameters of ∏ shape (only those requiring grad when trainableOnly). */
  numParameters(trainableOnly = false): number {
    return this.parameters()
      .filter((t) => !trainableOnly || t.requiresGrad)
      .reduce((n, t) => n + t.size, 0);
  }

  /**
   * stateDict(): parameters and buffers by dotted name. The tensors are the module's own (not copies): do not dispose
   * them, and copy them if they must survive later updates.
   */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** to(device): move every parameter and buffer to `device` in place (each stays the same tensor); returns this. */
  to(device: Device): this {
    noGrad(() => {
      for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
        if (t.device === device || (device === 'cuda' && t.device === 'cuda:0')) continue;
        const moved = to(t, { device });
        t.setData(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /** loadStateDict(map): copy each value into the same-named tensor in place (shape and dtype must match). */
  loadStateDict(state: ReadonlyMap<string, Tensor>, args: LoadStateDictArgs = {}): LoadStateDictResult {
    const strict = args.strict ?? true;
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !state.has(k));
    const unexpectedKeys = [...state.keys()].filter((k) => !own.has(k));
    const where = `${this.constructor.name}.loadStateDict`;
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts: string[] = [];
      if (missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new Error(`${where}: ${parts.join('; ')}`);
    }
    const pairs: [Tensor, Tensor][] = [];
    for (const [k, dst] of own) {
      const src = state.get(k);
      if (src === undefined) continue;
      if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
        throw new Error(`${where}: '${k}' has shape ${shapeStr(src.shape)}, expected ${shapeStr(dst.shape)}`);
      }
      if (src.dtype !== dst.dtype) throw new Error(`${where}: '${k}' has dtype ${src.dtype}, expected ${dst.dtype}`);
      pairs.push([dst, src]);
    }
    for (const [dst, src] of pairs) copyInto(dst, src); // only after every key has been checked
    return { missingKeys, unexpectedKeys };
  }

  /** Whether the module is in training mode (affects dropout and the like). */
  get training(): boolean {
    return this.#training;
  }

  /** train(on): set training mode on this module and every descendant; returns this. */
  train(on = true): this {
    this.#training = on;
    for (const c of this.#children.values()) c.train(on);
    return this;
  }

  /** eval() = train(false). */
  eval(): this {
    return this.train(false);
  }

  /** zeroGrad(): drop every parameter's accumulated gradient (set_to_none). */
  zeroGrad(): void {
    for (const t of this.parameters()) t.zeroGrad();
  }

  /** requiresGrad(on): turn gradient accumulation on or off for every floating parameter (freeze); returns this. */
  requiresGrad(on = true): this {
    for (const t of this.parameters()) if (isFloating(t.dtype)) t.requireGrad(on);
    return this;
  }

  /** dispose(): free every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const t of this.#parameters.values()) t.dispose();
    for (const t of this.#buffers.values()) t.dispose();
    for (const c of this.#children.values()) c.dispose();
  }
}
