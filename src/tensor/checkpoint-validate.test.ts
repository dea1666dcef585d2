import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpointSync, saveCheckpointSync } from './checkpoint.js';
import { writeSafetensorsSync } from './safetensors.js';
import { tensor } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-ckpt-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FORMAT = { format: 'greedy-infomax-checkpoint/1', config: '{}' };
const one = { w: { dtype: 'F32' as const, shape: [1], data: new Uint8Array(new Float32Array([1]).buffer) } };

describe('checkpoint metadata and values are validated at load', () => {
  it("refuses a 'step' that is negative, fractional or not the file's own step", () => {
    for (const step of ['-3', '1.5']) {
      const file = join(dir, `odd-${step}.safetensors`);
      writeSafetensorsSync(file, one, { ...FORMAT, step });
      expect(() => loadCheckpointSync(file), step).toThrow(/'step' is not a non-negative integer/);
    }
    const named = join(dir, 'step-0000012.safetensors');
    writeSafetensorsSync(named, one, { ...FORMAT, step: '9' });
    expect(() => loadCheckpointSync(named)).toThrow(
      /step-0000012\.safetensors.*'step' is 9 but the file is named for step 12/,
    );
    expect(() =>
      saveCheckpointSync(join(dir, 'neg.safetensors'), { tensors: new Map(), metadata: { config: {}, step: -3 } }),
    ).toThrow(/non-negative integer/);
  });

  it('refuses non-finite weights, naming the tensor', () => {
    const file = join(dir, 'step-0000004.safetensors');
    const good = tensor([1, 2], [2]);
    const bad = tensor([0.5, Infinity, 2], [3], { dtype: 'float64' });
    saveCheckpointSync(file, {
      tensors: new Map([
        ['module0.model.a', good],
        ['module0.model.conv.weight', bad],
      ]),
      metadata: { config: {}, step: 4 },
    });
    expect(() => loadCheckpointSync(file)).toThrow(
      /'module0\.model\.conv\.weight' holds a non-finite value at flat index 1/,
    );
    const nanHalf = join(dir, 'half.safetensors');
    writeSafetensorsSync(
      nanHalf,
      { h: { dtype: 'F16', shape: [1], data: new Uint8Array([0x00, 0x7e]) } },
      {
        ...FORMAT,
        step: '0',
      },
    );
    expect(() => loadCheckpointSync(nanHalf)).toThrow(/'h' holds a non-finite/);
    good.dispose();
    bad.dispose();
  });
});
