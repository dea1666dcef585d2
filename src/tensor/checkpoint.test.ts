import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromRawTensor, loadCheckpointSync, saveCheckpointSync, toRawTensor } from './checkpoint.js';
import {
  arange,
  getRngState,
  liveTensors,
  manualSeed,
  randn,
  reshape,
  setRngState,
  tidy,
  tensor,
  to,
  transpose,
  type DType,
  type Tensor,
} from './index.js';
import { writeSafetensorsSync } from './safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bits = (t: Tensor): Buffer => Buffer.from(t.data().buffer);

describe('checkpoint', () => {
  it('round-trips every dtype bit for bit, with config, step, RNG state and extras', () => {
    const values = [0, 1.5, -2.25, 3, 1e-3, 65504];
    const dtypes: DType[] = ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'bfloat16', 'float16'];
    const tensors = new Map<string, Tensor>();
    const base = tensor(values, [2, 3], { dtype: 'float64' });
    for (const d of dtypes) tensors.set(`t.${d}`, to(base, { dtype: d }));
    tensors.set('scalar', tensor([7], [], { dtype: 'float32' }));
    tensors.set('empty', tensor([], [0, 3], { dtype: 'float32' }));
    const nonContiguous = transpose(reshape(arange(0, 6, 1, { dtype: 'float32' }), [2, 3]), 0, 1); // [3, 2] view
    tensors.set('transposed', nonContiguous);
    const rngState = getRngState();
    const config = { model: { channels: [4, 8] }, lr: 2e-4, name: 'tiny' };
    const path = join(dir, 'all.safetensors');
    saveCheckpointSync(path, { tensors, metadata: { config, step: 1234, rngState, epoch: 3, note: 'hi' } });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]); // no temp files left behind

    const ck = loadCheckpointSync(path);
    expect(ck.config).toEqual(config);
    expect(ck.step).toBe(1234);
    expect(ck.extra).toEqual({ epoch: 3, note: 'hi' });
    expect(Buffer.from(ck.rngState!).equals(Buffer.from(rngState))).toBe(true);
    expect([...ck.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [k, t] of tensors) {
      const u = ck.tensors.get(k)!;
      expect(u.dtype, k).toBe(t.dtype);
      expect(u.shape, k).toEqual(t.shape);
      expect(bits(u).equals(bits(t)), k).toBe(true);
    }
    expect(ck.tensors.get('transposed')!.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    for (const t of [base, ...tensors.values(), ...ck.tensors.values()]) t.dispose();
  });

  it('restoring the saved RNG state reproduces the next randn', () => {
    manualSeed(42);
    randn([5]).dispose();
    const path = join(dir, 'rng.safetensors');
    saveCheckpointSync(path, { tensors: new Map(), metadata: { config: null, step: 0, rngState: getRngState() } });
    const expected = randn([16]);
    randn([100]).dispose(); // advance the generator further
    const ck = loadCheckpointSync(path);
    setRngState(ck.rngState!);
    const again = randn([16]);
    expect(bits(again).equals(bits(expected))).toBe(true);
    expected.dispose();
    again.dispose();
  });

  it('a truncated checkpoint throws an error naming the file', () => {
    const path = join(dir, 'truncated.safetensors');
    const t = randn([64]);
    saveCheckpointSync(path, { tensors: new Map([['w', t]]), metadata: { config: {}, step: 1 } });
    t.dispose();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const live = liveTensors();
    expect(() => loadCheckpointSync(path)).toThrow(path);
    expect(liveTensors()).toBe(live);
    writeFileSync(path, bytes.subarray(0, 5));
    expect(() => loadCheckpointSync(path)).toThrow(path);
  });

  it('missing files, foreign safetensors files and bad metadata are clear errors', () => {
    const missing = join(dir, 'nope.safetensors');
    expect(() => loadCheckpointSync(missing)).toThrow(missing);
    const foreign = join(dir, 'foreign.safetensors');
    writeSafetensorsSync(foreign, { x: { dtype: 'U8', shape: [1], data: new Uint8Array([1]) } }, { a: 'b' });
    expect(() => loadCheckpointSync(foreign)).toThrow(/foreign\.safetensors.*not a greedy-infomax checkpoint/);
    const bad = join(dir, 'bad.safetensors');
    expect(() =>
      saveCheckpointSync(bad, { tensors: new Map(), metadata: { config: {}, step: 1, f: () => 1 } }),
    ).toThrow(/bad\.safetensors.*'f' is not JSON-serialisable/);
    expect(() => saveCheckpointSync(bad, { tensors: new Map(), metadata: { config: {}, step: NaN } })).toThrow(
      /'step' must be a non-negative integer/,
    );
  });

  it('saves and loads inside tidy without leaking tensors', () => {
    const path = join(dir, 'early.safetensors');
    const t = tensor([1, 2, 3], [3], { dtype: 'float64' });
    saveCheckpointSync(path, { tensors: new Map([['t', t]]), metadata: { config: 1, step: 2 } });
    t.dispose();
    const copyPath = join(dir, 'sync.safetensors');
    const live = liveTensors();
    tidy(() => {
      const ck = loadCheckpointSync(path);
      saveCheckpointSync(copyPath, { tensors: ck.tensors, metadata: { config: ck.config, step: ck.step } });
    });
    expect(liveTensors()).toBe(live);
    const back = loadCheckpointSync(copyPath);
    expect(back.tensors.get('t')!.toArray()).toEqual([1, 2, 3]);
    expect([back.config, back.step]).toEqual([1, 2]);
    back.tensors.get('t')!.dispose();
  });

  it('toRawTensor / fromRawTensor are inverse and little-endian', () => {
    const t = tensor([1, 256], [2], { dtype: 'int32' });
    const r = toRawTensor(t);
    expect(r).toEqual({ dtype: 'I32', shape: [2], data: new Uint8Array([1, 0, 0, 0, 0, 1, 0, 0]) });
    const u = fromRawTensor({ ...r, data: new Uint8Array([0, ...r.data]).subarray(1) }); // unaligned view
    expect(u.toArray()).toEqual([1, 256]);
    t.dispose();
    u.dispose();
  });
});
