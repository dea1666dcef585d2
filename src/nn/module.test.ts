import { describe, expect, it } from 'vitest';
import { add, clone, liveTensors, randn, sum, tensor, tidy, zeros, type Tensor } from '../tensor/index.js';
import { Conv1d } from './conv.js';
import { GRU } from './gru.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { ReLU, Sequential } from './sequential.js';

/** A nested model: encoder (Sequential) + GRU + head, plus a buffer. */
class Net extends Module {
  readonly encoder: Sequential;
  readonly rnn: GRU;
  readonly head: Linear;
  readonly count: Tensor;
  constructor() {
    super();
    this.encoder = this.registerModule('encoder', new Sequential(new Conv1d(1, 4, 3), new ReLU()));
    this.rnn = this.registerModule('rnn', new GRU(4, 5));
    this.head = this.registerModule('head', new Linear(5, 2));
    this.count = this.registerBuffer('count', zeros([1], { dtype: 'int64' }));
  }
}

const bits = (t: Tensor): Buffer => Buffer.from(t.data().buffer);

describe('Module', () => {
  it('names nested parameters with dots, as PyTorch', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'encoder.0.weight',
      'encoder.0.bias',
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
      'head.weight',
      'head.bias',
    ]);
    expect([...net.stateDict().keys()]).toContain('count');
    expect(net.parameters()).toHaveLength(8);
    expect(net.children().map(([n]) => n)).toEqual(['encoder', 'rnn', 'head']);
    net.dispose();
  });

  it('rejects duplicate and dotted names', () => {
    class Bad extends Module {
      constructor(name: string, twice: boolean) {
        super();
        this.registerModule(name, new Linear(1, 1));
        if (twice) this.registerModule(name, new Linear(1, 1));
      }
    }
    expect(() => new Bad('a', true)).toThrow(/'a' is already registered/);
    expect(() => new Bad('a.b', false)).toThrow(/invalid name/);
  });

  it('loadStateDict round-trips values (copied, not aliased)', () => {
    const a = new Net();
    const b = new Net();
    expect(bits(a.head.weight).equals(bits(b.head.weight))).toBe(false);
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [k, t] of a.stateDict()) expect(bits(b.stateDict().get(k)!).equals(bits(t)), k).toBe(true);
    // b's tensors are its own: changing a afterwards leaves b alone.
    const before = clone(b.head.weight);
    tidy(() => {
      const fresh = new Linear(5, 2);
      a.head.loadStateDict(fresh.stateDict());
      fresh.dispose();
    });
    expect(bits(b.head.weight).equals(bits(before))).toBe(true);
    expect(b.head.weight.requiresGrad).toBe(true);
    before.dispose();
    a.dispose();
    b.dispose();
  });

  it('strict loadStateDict names missing, unexpected, mis-shaped and mis-typed keys, and changes nothing', () => {
    const m = new Linear(3, 4);
    const snapshot = clone(m.weight);
    tidy(() => {
      const w = randn([4, 3]);
      const b = randn([4]);
      expect(() => m.loadStateDict(new Map([['weight', w]]))).toThrow(/missing keys: bias/);
      expect(() =>
        m.loadStateDict(
          new Map([
            ['weight', w],
            ['bias', b],
            ['extra', b],
          ]),
        ),
      ).toThrow(/unexpected keys: extra/);
      expect(() =>
        m.loadStateDict(
          new Map([
            ['weight', w],
            ['bias', randn([5])],
          ]),
        ),
      ).toThrow(/'bias' has shape \[5\], expected \[4\]/);
      expect(() =>
        m.loadStateDict(
          new Map([
            ['weight', w],
            ['bias', zeros([4], { dtype: 'float64' })],
          ]),
        ),
      ).toThrow(/'bias' has dtype float64, expected float32/);
      expect(bits(m.weight).equals(bits(snapshot))).toBe(true); // validation happens before any copy
      // Non-strict: loads what matches, reports the rest.
      const res = m.loadStateDict(
        new Map([
          ['weight', w],
          ['extra', b],
        ]),
        { strict: false },
      );
      expect(res).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] });
      expect(bits(m.weight).equals(bits(w))).toBe(true);
    });
    snapshot.dispose();
    m.dispose();
  });

  it('requiresGrad(false) freezes: no gradient reaches frozen parameters', () => {
    const first = new Linear(3, 4);
    const second = new Linear(4, 2);
    const net = new Sequential(first, new ReLU(), second);
    first.requiresGrad(false);
    expect(net.numParameters()).toBe(16 + 10);
    expect(net.numParameters(true)).toBe(10);
    tidy(() => {
      sum(net.forward(tensor([1, -2, 3, 0.5, 0, 1], [2, 3]))).backward();
      expect(first.weight.grad).toBeNull();
      expect(first.bias!.grad).toBeNull();
      expect(second.weight.grad).not.toBeNull();
    });
    net.zeroGrad();
    expect(second.weight.grad).toBeNull();
    first.requiresGrad(true);
    tidy(() => {
      sum(net.forward(tensor([1, -2, 3], [1, 3]))).backward();
      expect(first.weight.grad).not.toBeNull();
    });
    net.dispose();
  });

  it('train()/eval() propagate to children', () => {
    const net = new Net();
    expect(net.training && net.rnn.training).toBe(true);
    net.eval();
    expect(net.training || net.encoder.training || net.rnn.training || net.head.training).toBe(false);
    net.train();
    expect(net.head.training).toBe(true);
    net.dispose();
  });

  it('dispose() frees every parameter and buffer', () => {
    const live0 = liveTensors();
    const net = new Net();
    expect(liveTensors()).toBe(live0 + 9);
    tidy(() => {
      add(net.head.weight, 1); // a temporary, disposed by tidy
    });
    net.dispose();
    expect(liveTensors()).toBe(live0);
    expect(net.head.weight.isDisposed).toBe(true);
  });
});

describe('Module.to', () => {
  it('keeps each parameter the same tensor and its values (cpu → cpu is a no-op)', async () => {
    const { Linear } = await import('./linear.js');
    const lin = new Linear(3, 2);
    const before = lin.parameters();
    const values = before.map((p) => p.toArray());
    lin.to('cpu');
    expect(lin.parameters()).toEqual(before);
    expect(lin.parameters().map((p) => p.toArray())).toEqual(values);
    expect(lin.weight.device).toBe('cpu');
    lin.dispose();
  });
});
