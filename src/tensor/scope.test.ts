import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Tensor, keep, liveTensors, tidy } from './index.js';
import { tensor, zeros } from './ops/creation.js';
import { add, mul } from './ops/elementwise.js';

let base = 0;
beforeEach(() => {
  base = liveTensors();
});
afterEach(() => expect(liveTensors()).toBe(base));

describe('tidy', () => {
  it('disposes intermediates and keeps the returned tensor', () => {
    let inner: Tensor | undefined;
    const out = tidy(() => {
      inner = mul(tensor([1, 2]), 3);
      expect(liveTensors()).toBe(base + 2);
      return add(inner, 1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect(out.toArray()).toEqual([4, 7]);
    expect(liveTensors()).toBe(base + 1);
    out.dispose();
  });

  it('keeps tensors returned inside arrays, nested arrays, Maps and plain objects', () => {
    let scratch: Tensor | undefined;
    const r = tidy(() => {
      scratch = zeros([1]);
      return {
        a: zeros([2]),
        list: [zeros([3]), [zeros([4])]],
        map: new Map([['m', zeros([5])]]),
        n: 42,
      };
    });
    expect(scratch!.isDisposed).toBe(true);
    const kept = [r.a, r.list[0] as Tensor, (r.list[1] as Tensor[])[0]!, r.map.get('m')!];
    expect(kept.map((t) => t.shape[0])).toEqual([2, 3, 4, 5]);
    expect(kept.every((t) => !t.isDisposed)).toBe(true);
    expect(r.n).toBe(42);
    expect(liveTensors()).toBe(base + 4);
    for (const t of kept) t.dispose();
  });

  it('does not touch tensors created outside, even when used inside', () => {
    const outside = tensor([1, 2, 3]);
    tidy(() => {
      mul(outside, 2);
    });
    expect(outside.isDisposed).toBe(false);
    expect(outside.toArray()).toEqual([1, 2, 3]);
    outside.dispose();
  });

  it('nested tidy: returned tensors move to the parent scope, which disposes them unless returned', () => {
    let fromInner: Tensor | undefined;
    let innerScratch: Tensor | undefined;
    const out = tidy(() => {
      fromInner = tidy(() => {
        innerScratch = zeros([2]);
        return zeros([3]);
      });
      expect(innerScratch!.isDisposed).toBe(true);
      expect(fromInner.isDisposed).toBe(false);
      return tidy(() => add(fromInner!, 1)); // fromInner is now the outer scope's
    });
    expect(fromInner!.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect(out.toArray()).toEqual([1, 1, 1]);
    out.dispose();
  });

  it('keep() survives every enclosing scope', () => {
    let k: Tensor | undefined;
    tidy(() => {
      tidy(() => {
        k = keep(mul(tensor([2]), 2));
      });
      expect(k!.isDisposed).toBe(false);
    });
    expect(k!.isDisposed).toBe(false);
    expect(k!.item()).toBe(4);
    expect(liveTensors()).toBe(base + 1);
    k!.dispose();
  });

  it('liveTensors returns to its baseline after a busy tidy', () => {
    tidy(() => {
      let x = zeros([8]);
      for (let i = 0; i < 100; i++) x = add(x, 1);
      expect(liveTensors()).toBeGreaterThanOrEqual(base + 101);
      expect(x.toArray()[0]).toBe(100);
    });
    expect(liveTensors()).toBe(base);
  });

  it('tensors disposed by hand inside tidy are tolerated', () => {
    const r = tidy(() => {
      const t = zeros([2]);
      t.dispose();
      return 7;
    });
    expect(r).toBe(7);
  });

  it('rejects an async fn', async () => {
    let made: Tensor | undefined;
    const fn = async (): Promise<number> => {
      made = zeros([2]);
      return 1;
    };
    expect(() => tidy(fn)).toThrow(/fn must be synchronous/);
    expect(() => tidy(() => Promise.resolve(3))).toThrow(/synchronous/);
    await Promise.resolve();
    // What the async fn made synchronously was disposed by tidy before it threw.
    expect(made?.isDisposed).toBe(true);
  });

  it('disposes what fn made when fn throws', () => {
    const before = liveTensors();
    let made: Tensor | undefined;
    expect(() =>
      tidy(() => {
        made = zeros([3]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(made?.isDisposed).toBe(true);
    expect(liveTensors()).toBe(before);
  });

  it('passes through non-tensor results unchanged', () => {
    expect(tidy(() => 'x')).toBe('x');
    expect(tidy(() => null)).toBeNull();
    expect(tidy(() => tensor([5]).item())).toBe(5);
  });
});
