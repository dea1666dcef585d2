import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type RawTensor,
  type SafetensorsDType,
  decodeSafetensors,
  encodeSafetensors,
  itemSize,
  readSafetensorsSync,
  writeSafetensorsSync,
} from './safetensors.js';

// Written by scripts/make-safetensors-fixture.py (torch + struct + json, following the spec).
const FIXTURE = fileURLToPath(new URL('./fixtures/python.safetensors', import.meta.url));
const tmpRoot = mkdtempSync(join(tmpdir(), 'safetensors-test-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => {
  const d = join(tmpRoot, `d${dirCount++}`);
  mkdirSync(d);
  return d;
};

/** Host bytes of a typed array (the test host, like every Node target, is little-endian). */
const bytesOf = (a: ArrayBufferView): Uint8Array =>
  new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
const t = (dtype: SafetensorsDType, shape: number[], data: ArrayBufferView | number[]): RawTensor => ({
  dtype,
  shape,
  data: Array.isArray(data) ? Uint8Array.from(data) : bytesOf(data),
});
const get = (m: Map<string, RawTensor>, name: string): RawTensor => {
  const x = m.get(name);
  if (!x) throw new Error(`missing ${name}`);
  return x;
};
/** A file from a literal header string (no padding) and a data buffer. */
const rawFile = (header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array => {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
};
const headerLen = (b: Uint8Array): number => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

describe('python fixture', () => {
  it('decodes exactly the tensors and metadata written by torch', () => {
    const f = readSafetensorsSync(FIXTURE);
    expect([...f.tensors.keys()].sort()).toEqual(['bias', 'mask', 'steps', 'weight']);
    expect(f.metadata).toEqual({ config: '{"lr": 0.0002}', step: '42' });

    const w = get(f.tensors, 'weight');
    expect([w.dtype, w.shape]).toEqual(['F32', [2, 3]]);
    expect([...new Float32Array(w.data.buffer, w.data.byteOffset, 6)]).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    const b = get(f.tensors, 'bias');
    expect([b.dtype, b.shape]).toEqual(['F64', [3]]);
    expect([...new Float64Array(b.data.buffer, b.data.byteOffset, 3)]).toEqual([1.5, -2, 3.25]);
    const s = get(f.tensors, 'steps');
    expect([s.dtype, s.shape]).toEqual(['I64', [2]]);
    expect([...new BigInt64Array(s.data.buffer, s.data.byteOffset, 2)]).toEqual([7n, -9n]);
    const m = get(f.tensors, 'mask');
    expect([m.dtype, m.shape, [...m.data]]).toEqual(['BOOL', [4], [1, 0, 1, 1]]);
  });

  it('re-encodes to the same bytes the Python spec writer produced', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    const f = decodeSafetensors(bytes, FIXTURE);
    expect(encodeSafetensors(f.tensors, f.metadata)).toEqual(bytes);
  });
});

describe('encode/decode', () => {
  const all: Record<string, RawTensor> = {
    f32: t('F32', [2, 2], new Float32Array([1.25, -0, Infinity, NaN])),
    f64: t('F64', [3], new Float64Array([Math.PI, -1e300, 5e-324])),
    i64: t('I64', [2, 1], new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])),
    i32: t('I32', [1, 3], new Int32Array([-1, 0, 2 ** 31 - 1])),
    u8: t('U8', [4], [0, 1, 128, 255]),
    bool: t('BOOL', [2, 2], [1, 0, 0, 1]),
    bf16: t('BF16', [2], new Uint16Array([0x3f80, 0xc000])),
    f16: t('F16', [3], new Uint16Array([0x3e00, 0xb400, 0x7c00])),
    scalar: t('F32', [], new Float32Array([2.5])),
    empty: t('F32', [0], []),
    empty2d: t('I64', [0, 3], []),
    emptyBool: t('BOOL', [3, 0, 2], []),
  };

  it('round-trips every dtype, scalars, empty tensors and metadata', () => {
    const meta = { a: '1', 'ünïcødé ✓': 'x\ny"z', '': '' };
    const f = decodeSafetensors(encodeSafetensors(all, meta));
    expect(f.metadata).toEqual(meta);
    expect(Object.fromEntries(f.tensors)).toEqual(all);
    for (const x of f.tensors.values()) expect(x.data.byteOffset).toBe(0); // typed-array views are safe
  });

  it('accepts a Map, no metadata, and no tensors at all', () => {
    const m = new Map([['only', t('I32', [2], new Int32Array([3, -4]))]]);
    expect(decodeSafetensors(encodeSafetensors(m))).toEqual({ tensors: m, metadata: {} });
    const empty = encodeSafetensors({});
    expect(new TextDecoder().decode(empty.subarray(8))).toBe('{}      ');
    expect(decodeSafetensors(empty)).toEqual({ tensors: new Map(), metadata: {} });
  });

  it('pads the header with spaces so the data buffer starts 8-byte aligned', () => {
    for (let len = 0; len < 20; len++) {
      const bytes = encodeSafetensors({ ['n'.repeat(len) || 'z']: t('U8', [1], [7]) });
      const n = headerLen(bytes);
      expect(n % 8).toBe(0);
      expect(bytes.length).toBe(8 + n + 1);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(header).toMatch(/^\{.*\} *$/);
      expect(header.trimEnd().length).toBeGreaterThan(n - 8);
    }
  });

  it('writes a hand-computed header and data layout (largest item size first, then name)', () => {
    const bytes = encodeSafetensors(
      {
        b: t('U8', [3], [1, 2, 3]),
        a: t('F32', [2], new Float32Array([1, -2])),
        c: t('F64', [], new Float64Array([0.5])),
      },
      { k: 'v' },
    );
    const json =
      '{"__metadata__":{"k":"v"},' +
      '"c":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"b":{"dtype":"U8","shape":[3],"data_offsets":[16,19]}}';
    expect(json.length).toBe(186);
    const expected = [
      ...[192, 0, 0, 0, 0, 0, 0, 0],
      ...new TextEncoder().encode(json + '      '),
      ...[0, 0, 0, 0, 0, 0, 0xe0, 0x3f], // 0.5 as f64 LE
      ...[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0], // 1, -2 as f32 LE
      ...[1, 2, 3],
    ];
    expect([...bytes]).toEqual(expected);
  });

  it('rejects bad input to the encoder', () => {
    expect(() => encodeSafetensors({ w: t('F32', [2, 2], new Float32Array(3)) })).toThrow(
      /tensor 'w'.*16 bytes expected but data has 12/,
    );
    expect(() => encodeSafetensors({ w: { ...t('U8', [1], [0]), dtype: 'U16' as SafetensorsDType } })).toThrow(
      /unknown dtype 'U16'/,
    );
    expect(() => encodeSafetensors({ w: t('U8', [-1], []) })).toThrow(/non-negative integers/);
    expect(() => encodeSafetensors({ __metadata__: t('U8', [0], []) })).toThrow(/reserved/);
    expect(() => encodeSafetensors({}, { step: 42 as unknown as string })).toThrow(
      /metadata value for 'step' must be a string/,
    );
  });

  it('itemSize', () => {
    expect(
      ['F32', 'F64', 'I64', 'I32', 'U8', 'BOOL', 'BF16', 'F16'].map((d) => itemSize(d as SafetensorsDType)),
    ).toEqual([4, 8, 8, 4, 1, 1, 2, 2]);
  });
});

describe('atomic write', () => {
  const good = { w: t('F32', [2], new Float32Array([1, 2])) };
  const bad = { config: { nested: true } as unknown as string };

  it('writes, overwrites, leaves no temp files, and keeps the old file when writing fails', () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    writeSafetensorsSync(path, { old: t('U8', [1], [9]) });
    writeSafetensorsSync(path, good, { step: '1' });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const before = readFileSync(path);

    expect(() => writeSafetensorsSync(path, { x: t('U8', [1], [5]) }, bad)).toThrow(/'config' must be a string/);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(path)).toEqual(before);
    expect(readSafetensorsSync(path)).toEqual({ tensors: new Map(Object.entries(good)), metadata: { step: '1' } });
  });

  it('removes its temp file when the rename itself fails', () => {
    const dir = freshDir();
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x'); // renaming a file over a non-empty directory fails
    expect(() => writeSafetensorsSync(target, good)).toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
  });

  it('round-trips, creating a missing folder', () => {
    const path = join(freshDir(), 'new', 'a.safetensors');
    writeSafetensorsSync(path, good, { k: 'v' });
    expect(readSafetensorsSync(path)).toEqual({ tensors: new Map(Object.entries(good)), metadata: { k: 'v' } });
  });
});

describe('decode validation', () => {
  const fixture = new Uint8Array(readFileSync(FIXTURE));

  it('every truncation of the fixture throws an error naming the source', () => {
    for (let len = 0; len < fixture.length; len++) {
      expect(() => decodeSafetensors(fixture.slice(0, len), 'SRC.safetensors'), `cut at ${len}`).toThrow(
        /^SRC\.safetensors: /,
      );
    }
    const n = headerLen(fixture);
    expect(() => decodeSafetensors(fixture.slice(0, 7), 'f')).toThrow(/f: .*7 bytes, need at least 8/);
    expect(() => decodeSafetensors(fixture.slice(0, 100), 'f')).toThrow(
      new RegExp(`f: truncated: header says ${n} bytes but file has 100`),
    );
    expect(() => decodeSafetensors(fixture.slice(0, -1), 'f')).toThrow(/f: tensor '\w+': data_offsets .* exceed/);
  });

  it('truncated files on disk throw errors containing the path', () => {
    const dir = freshDir();
    for (const len of [0, 5, 8, 40, 8 + headerLen(fixture), fixture.length - 3]) {
      const path = join(dir, `cut-${len}.safetensors`);
      writeFileSync(path, fixture.subarray(0, len));
      expect(() => readSafetensorsSync(path)).toThrow(path);
    }
  });

  it('corrupt JSON throws naming the path', () => {
    const corrupt = fixture.slice();
    corrupt[8 + 15] = 0x3b; // '{"__metadata__":{' becomes '{"__metadata__";{'
    const path = join(freshDir(), 'corrupt.safetensors');
    writeFileSync(path, corrupt);
    expect(() => readSafetensorsSync(path)).toThrow(`${path}: header is not valid JSON`);
  });

  it('rejects malformed headers with specific messages', () => {
    const d =
      (h: string, n = 0) =>
      () =>
        decodeSafetensors(rawFile(h, new Uint8Array(n)), 'x.st');
    const ok = (dtype: string, shape: string, offs: string) =>
      `{"w":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offs}}}`;
    expect(d(ok('F32', '[2]', '[0,8]'), 8)).not.toThrow();
    expect(d(ok('F32', '[2]', '[0,8]'), 8)().tensors.get('w')?.shape).toEqual([2]);
    expect(d(ok('U16', '[2]', '[0,4]'), 4)).toThrow(/x\.st: tensor 'w': unknown dtype "U16"/);
    expect(d(ok('F32', '[2,2]', '[0,8]'), 8)).toThrow(/x\.st: tensor 'w': F32\[2,2\] means 16 bytes expected/);
    expect(d(ok('F32', '[2]', '[0,8]'), 4)).toThrow(/exceed the 4-byte data buffer/);
    expect(d(ok('F32', '[2]', '[4,12]'), 12)).toThrow(/hole in data buffer/);
    expect(d(ok('F32', '[2]', '[0,8]'), 9)).toThrow(/trailing garbage/);
    expect(d(ok('F32', '[2]', '[8,0]'), 8)).toThrow(/data_offsets must be \[begin, end\]/);
    expect(d(ok('F32', '[-2]', '[0,8]'), 8)).toThrow(/non-negative integers/);
    expect(d(ok('F32', '"2"', '[0,8]'), 8)).toThrow(/shape must be an array/);
    const two =
      '{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}';
    expect(d(two, 4)).toThrow(/tensor 'b'.*overlap/);
    expect(d('{"__metadata__":{"step":42}}')).toThrow(/x\.st: '__metadata__' value for 'step' must be a string/);
    expect(d('[1,2]')).toThrow(/does not start with '\{'/);
    expect(d('{"w":[]}')).toThrow(/tensor 'w': entry must be an object/);
    expect(d('{"a":1')).toThrow(/x\.st: header is not valid JSON/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => decodeSafetensors(huge, 'big')).toThrow(
      /big: header length 1099511627776 exceeds the 100000000-byte limit/,
    );
    const bad = rawFile('{"ab":{}}');
    bad[10] = 0xff; // lone 0xff byte inside the key
    expect(() => decodeSafetensors(bad, 'u')).toThrow(/u: header is not valid UTF-8/);
  });
});
