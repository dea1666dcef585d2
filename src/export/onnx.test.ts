/**
 * gim export (issue 14 §2): the ONNX encoder of a tiny audio run and a tiny vision run, run by onnxruntime-node, gives
 * libtorch's features (GradientIsolatedStack.features) for every module k, several batch sizes and lengths.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/program.js';
import { manualSeed, randn, tidy } from '../tensor/index.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { decodeModel, ONNX_OPSET } from './graph.js';
import { exportOnnx } from './onnx.js';
import { loadTrainedStack } from './trained-stack.js';

const FIXTURES = new URL('../audio/data/fixtures/librispeech', import.meta.url).pathname;
const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
/** Parity bound: max |onnx − libtorch| / max |libtorch| over a case's features. */
const MAX_RELATIVE_ERROR = 1e-4;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-export-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gim = async (...argv: string[]): Promise<void> => {
  await buildProgram().exitOverride().parseAsync(argv, { from: 'user' });
};

/** max |a − b| / max |b|. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

interface ParityCase {
  shape: number[];
}

/** Export every module of `run`, run each on random inputs of the given shapes; the errors per module and shape. */
async function parity(run: string, cases: ParityCase[]): Promise<{ module: number; shape: number[]; error: number }[]> {
  const { stack } = loadTrainedStack(run);
  const results: { module: number; shape: number[]; error: number }[] = [];
  try {
    for (let k = 1; k <= stack.length; k++) {
      const file = path.join(tmp, `${path.basename(run)}-module${k}.onnx`);
      exportOnnx({ run, module: k, out: file });
      const session = await ort.InferenceSession.create(file);
      for (const { shape } of cases) {
        manualSeed(k);
        const { x, expected, outShape } = tidy(() => {
          const input = randn(shape);
          const features = stack.features(input, k - 1)[k - 1]!;
          return {
            x: input.data() as Float32Array,
            expected: features.data() as Float32Array,
            outShape: [...features.shape],
          };
        });
        const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
        const actual = out[session.outputNames[0]!]!;
        expect(actual.dims).toEqual(outShape);
        results.push({ module: k, shape, error: relativeError(actual.data as Float32Array, expected) });
      }
      await session.release();
    }
  } finally {
    stack.dispose();
  }
  return results;
}

describe('gim export on an audio-tiny run', () => {
  const run = path.join(tmp, 'audio-tiny');
  beforeAll(async () => {
    await gim(
      'train',
      '--preset',
      'audio-tiny',
      '--run',
      run,
      '--set',
      `data.root=${FIXTURES}`,
      '--set',
      'train.steps=2',
    );
    expect(process.exitCode).toBe(0);
  });

  it('every module k equals libtorch features to 1e-4 relative, for 2 batch sizes and 2 lengths', async () => {
    const results = await parity(run, [{ shape: [1, 1, 4000] }, { shape: [3, 1, 6480] }]);
    console.log(
      results.map((r) => `audio module ${r.module} [${r.shape.join('×')}]: ${r.error.toExponential(2)}`).join('\n'),
    );
    expect(results).toHaveLength(12);
    for (const r of results) expect(r.error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  });

  it('the model is opset 17 with the config in its metadata; a bad module names it; an existing file is kept', () => {
    const out = path.join(tmp, 'audio.onnx');
    const result = exportOnnx({ run, out });
    expect(result.module).toBe(6);
    const model = decodeModel(fs.readFileSync(out));
    expect(Number(model.opsetImport[0]!.version)).toBe(ONNX_OPSET);
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['gim.config']!)).toMatchObject({ experiment: 'audio' });
    expect(meta['gim.module']).toBe('6');
    expect(() => exportOnnx({ run, out, module: 2 })).toThrow(`${out}: the file exists`);
    expect(() => exportOnnx({ run, out: path.join(tmp, 'm7.onnx'), module: 7 })).toThrow(
      `${run}: module 7 does not exist; the run has modules 1 to 6`,
    );
    expect(fs.existsSync(path.join(tmp, 'm7.onnx'))).toBe(false);
  });

  it('gim export writes the file, refuses to overwrite it without --overwrite, and names a bad --module', async () => {
    const out = path.join(tmp, 'cli.onnx');
    await gim('export', '--run', run, '--module', '3', '--out', out);
    expect(Number(decodeModel(fs.readFileSync(out)).metadataProps.find((p) => p.key === 'gim.module')?.value)).toBe(3);
    await expect(gim('export', '--run', run, '--out', out)).rejects.toThrow(`${out}: the file exists`);
    await gim('export', '--run', run, '--out', out, '--overwrite');
    expect(decodeModel(fs.readFileSync(out)).metadataProps.find((p) => p.key === 'gim.module')?.value).toBe('6');
    await expect(gim('export', '--run', run, '--module', 'two', '--out', out)).rejects.toThrow('--module two');
    await expect(gim('export', '--run', path.join(tmp, 'nothing'), '--out', path.join(tmp, 'n.onnx'))).rejects.toThrow(
      `${path.join(tmp, 'nothing')}: no such run directory`,
    );
  });

  it('gim export --from a pack writes the graph that --run writes; errors name the pack', async () => {
    const pack = path.join(tmp, 'audio-tiny.gim.tgz');
    await gim('pack', '--run', run, '--out', pack);
    const [fromRun, fromPack] = [path.join(tmp, 'run-m2.onnx'), path.join(tmp, 'pack-m2.onnx')];
    await gim('export', '--run', run, '--module', '2', '--out', fromRun);
    await gim('export', '--from', pack, '--module', '2', '--out', fromPack);
    const [a, b] = [decodeModel(fs.readFileSync(fromRun)), decodeModel(fs.readFileSync(fromPack))];
    expect(b.graph).toEqual(a.graph);
    const meta = Object.fromEntries(b.metadataProps.map((p) => [p.key, p.value]));
    expect(meta['gim.run']).toBe('audio-tiny.gim.tgz');
    expect(meta['gim.module']).toBe('2');
    await expect(gim('export', '--from', pack, '--module', '7', '--out', path.join(tmp, 'p7.onnx'))).rejects.toThrow(
      `${pack}: module 7 does not exist; the run has modules 1 to 6`,
    );
    await expect(gim('export', '--from', path.join(tmp, 'absent.gim.tgz'), '--out', fromPack)).rejects.toThrow(
      `${path.join(tmp, 'absent.gim.tgz')}: no such packed model`,
    );
    const give = 'give --run <dir> (a run directory) or --from <file> (a packed model, gim pack)';
    const x = path.join(tmp, 'x.onnx');
    await expect(gim('export', '--run', run, '--from', pack, '--out', x)).rejects.toThrow(`${give}: not both`);
    await expect(gim('export', '--out', x)).rejects.toThrow(`${give}: neither was given`);
  });
});

describe('gim export on an audio-tiny CPC run without BPTT (convs and the GRU cell in one module)', () => {
  const run = path.join(tmp, 'audio-tiny-cpc');
  beforeAll(async () => {
    await gim(
      'train',
      '--preset',
      'audio-tiny',
      '--run',
      run,
      '--set',
      `data.root=${FIXTURES}`,
      '--set',
      'train.steps=2',
      '--set',
      'model.modelSplits=1',
      '--set',
      'model.noBPTT=true',
    );
    expect(process.exitCode).toBe(0);
  });

  it('equals libtorch features to 1e-4 relative, for 2 batch sizes and 2 lengths', async () => {
    const results = await parity(run, [{ shape: [2, 1, 3200] }, { shape: [1, 1, 5120] }]);
    console.log(results.map((r) => `audio cpc [${r.shape.join('×')}]: ${r.error.toExponential(2)}`).join('\n'));
    expect(results).toHaveLength(2);
    for (const r of results) expect(r.error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  });
});

describe.skipIf(!HAS_FASHION_MNIST)('gim export on a vision-tiny run', () => {
  const run = path.join(tmp, 'vision-tiny');
  beforeAll(async () => {
    await gim('train', '--preset', 'vision-tiny', '--run', run, '--set', 'train.steps=2');
    expect(process.exitCode).toBe(0);
  });

  it('every module k equals libtorch features to 1e-4 relative, for 2 batch sizes and 2 image sizes', async () => {
    const results = await parity(run, [
      { shape: [1, 1, 32, 32] },
      { shape: [5, 1, 32, 32] },
      { shape: [2, 1, 40, 36] },
    ]);
    console.log(
      results.map((r) => `vision module ${r.module} [${r.shape.join('×')}]: ${r.error.toExponential(2)}`).join('\n'),
    );
    expect(results).toHaveLength(9);
    for (const r of results) expect(r.error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  });
});

describe.skipIf(!HAS_FASHION_MNIST)('gim export on vision-tiny CPC and greedy supervised runs', () => {
  it('CPC (one module; the PixelCNN is left out, as features() leaves it) equals libtorch features', async () => {
    const run = path.join(tmp, 'vision-tiny-cpc');
    await gim(
      'train',
      '--preset',
      'vision-tiny',
      '--run',
      run,
      '--set',
      'train.steps=2',
      '--set',
      'model.modelSplits=1',
    );
    const results = await parity(run, [{ shape: [2, 1, 32, 32] }]);
    expect(results).toHaveLength(1);
    for (const r of results) expect(r.error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  });

  it('a greedy supervised run loads without its data (classes read from the classifiers) and matches', async () => {
    const run = path.join(tmp, 'vision-tiny-supervised');
    await gim(
      'train',
      '--preset',
      'vision-tiny',
      '--run',
      run,
      '--set',
      'train.steps=2',
      '--set',
      'train.objective=supervised',
    );
    const results = await parity(run, [{ shape: [2, 1, 32, 32] }]);
    expect(results).toHaveLength(3);
    for (const r of results) expect(r.error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  });
});
