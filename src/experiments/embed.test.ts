/** gim embed and loadEncoder on tiny runs trained here: audio (FLAC, WAV, Ogg) and vision (PNG, JPEG, IDX) files. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildProgram } from '../cli/program.js';
import { readSafetensorsSync } from '../tensor/safetensors.js';
import { randn } from '../tensor/index.js';
import { readImageFile } from '../vision/data/index.js';
import { embedFiles, listInputs } from './embed.js';
import { loadEncoder } from './encoder.js';

const FIXTURES = new URL('../audio/data/fixtures/librispeech', import.meta.url).pathname;
const FLAC = path.join(FIXTURES, 'train-clean-100/19/198/19-198-0001.flac');
const JPEG = new URL('../vision/data/fixtures/gradient.jpg', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-embed-'));
const audioRun = path.join(tmp, 'audio-tiny');
const visionRun = path.join(tmp, 'vision-tiny');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gim = async (...argv: string[]): Promise<void> => {
  await buildProgram().exitOverride().parseAsync(argv, { from: 'user' });
};
const quiet = { log: () => undefined };

/** A 20×24 RGB PNG of a gradient (pngjs), at `file`. */
function writePng(file: string): void {
  const png = new PNG({ width: 20, height: 24 });
  for (let i = 0; i < png.width * png.height; i++) png.data.set([i % 256, (3 * i) % 256, 128, 255], 4 * i);
  fs.writeFileSync(file, PNG.sync.write(png));
}

/** embedFiles with skipBad on [bad, good]: one row written, one file skipped and named in the log. */
async function expectSkipped(run: string, bad: string, good: string, out: string): Promise<void> {
  const said: string[] = [];
  const summary = await embedFiles({
    run,
    inputs: [bad, good],
    out,
    pool: 'mean',
    skipBad: true,
    overwrite: false,
    log: (line) => said.push(line),
  });
  expect([summary.rows, summary.skipped]).toEqual([1, 1]);
  expect(said.join('\n')).toContain(`skipped ${bad}`);
}

describe('gim embed', () => {
  const wav = path.join(tmp, 'clip.wav');
  const png = path.join(tmp, 'image.png');
  const ogg = path.join(tmp, 'clip.ogg');
  beforeAll(async () => {
    const steps = ['--set', 'train.steps=2', '--set', 'train.checkpointEvery=2'];
    await gim('train', '--preset', 'audio-tiny', '--run', audioRun, '--set', `data.root=${FIXTURES}`, ...steps);
    await gim('train', '--preset', 'vision-tiny', '--run', visionRun, ...steps);
    // 0.8 s at 22.05 kHz stereo: embed resamples and mixes it down.
    execFileSync('sox', ['-n', '-r', '22050', '-c', '2', wav, 'synth', '0.8', 'sine', '440']);
    execFileSync('sox', ['-n', '-r', '44100', '-c', '1', ogg, 'synth', '0.5', 'sine', '300']);
    writePng(png);
  });

  it('audio: a FLAC, a WAV and an Ogg file give one [D] row each, with their paths (.safetensors)', async () => {
    const out = path.join(tmp, 'audio.safetensors');
    await gim('embed', '--run', audioRun, '--input', FLAC, '--input', wav, '--input', ogg, '--out', out);
    const file = readSafetensorsSync(out);
    const encoder = await loadEncoder({ run: audioRun }, quiet.log);
    const x = randn([1, 1, 5120]);
    const probe = encoder.embed(x);
    const D = probe.shape[1]!;
    const [row] = await encoder.embedFile(wav); // the API's row is the CLI's row
    const written = file.tensors.get('features')!;
    expect(written.shape).toEqual([3, D]);
    expect(JSON.parse(file.metadata.paths!)).toEqual([FLAC, wav, ogg]);
    const rowBytes = Buffer.from(written.data.slice(D * 4, 2 * D * 4));
    expect(rowBytes).toEqual(Buffer.from((row!.features.data() as Float32Array).buffer));
    for (const t of [x, probe, row!.features]) t.dispose();
    encoder.dispose();
  });

  it('loadEncoder: embed pools over time or keeps the frames; module k; a long file in windows', async () => {
    const encoder = await loadEncoder({ run: audioRun, module: 2 }, quiet.log);
    expect([encoder.experiment, encoder.module, encoder.modules, encoder.step]).toEqual(['audio', 2, 6, 2]);
    const x = randn([3, 1, 5120]);
    const pooled = encoder.embed(x);
    const frames = encoder.embed(x, { pool: 'none' });
    expect(pooled.shape.length).toBe(2);
    expect(frames.shape[0]).toBe(3);
    expect(frames.shape[2]).toBe(pooled.shape[1]);
    const rows = await encoder.embedFile(wav, { pool: 'none' });
    expect(rows.map((r) => r.path)).toEqual([wav]);
    // 0.8 s at 16 kHz: three windows of 5120 samples (the last zero-padded), their frames back to back.
    expect(rows[0]!.features.shape).toEqual([3 * frames.shape[1]!, pooled.shape[1]]);
    for (const t of [x, pooled, frames, rows[0]!.features]) t.dispose();
    encoder.dispose();
    await expect(loadEncoder({ run: audioRun, module: 7 }, quiet.log)).rejects.toThrow(
      'module 7: the run has modules 1..6',
    );
  });

  it('vision: a PNG and an IDX file give one row per image (.npy + paths, .jsonl)', async () => {
    const idx = path.join(tmp, 'three-idx3-ubyte');
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(3, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    fs.writeFileSync(idx, Buffer.concat([header, Buffer.alloc(3 * 28 * 28, 77)]));
    const out = path.join(tmp, 'images.npy');
    await gim('embed', '--run', visionRun, '--input', png, '--input', idx, '--out', out);
    const bytes = fs.readFileSync(out);
    expect(bytes.subarray(10, 10 + bytes.readUInt16LE(8)).toString('latin1')).toMatch(/'shape': \(4, \d+\)/);
    expect(fs.readFileSync(`${out}.paths.txt`, 'utf8')).toBe([png, `${idx}#0`, `${idx}#1`, `${idx}#2`, ''].join('\n'));
    const grid = path.join(tmp, 'grid.jsonl');
    await gim('embed', '--run', visionRun, '--input', png, '--out', grid, '--pool', 'none', '--module', '1');
    const row = JSON.parse(fs.readFileSync(grid, 'utf8')) as { path: string; shape: number[] };
    expect(row.path).toBe(png);
    expect(row.shape.length).toBe(3);
  });

  it('vision: a JPEG gives the row of a PNG holding the same pixels; a corrupt JPEG is named, or skipped', async () => {
    const decoded = readImageFile(JPEG); // [3, H, W] in [0, 1]
    const plane = decoded.height * decoded.width;
    const same = new PNG({ width: decoded.width, height: decoded.height });
    for (let i = 0; i < plane; i++) {
      const rgb = [0, 1, 2].map((c) => Math.round(decoded.data[c * plane + i]! * 255));
      same.data.set([...rgb, 255], 4 * i);
    }
    const samePng = path.join(tmp, 'same-pixels.png');
    fs.writeFileSync(samePng, PNG.sync.write(same));
    const out = path.join(tmp, 'jpeg.jsonl');
    await gim('embed', '--run', visionRun, '--input', JPEG, '--input', samePng, '--out', out);
    const rows = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string; features: number[] });
    expect(rows.map((row) => row.path)).toEqual([JPEG, samePng]);
    expect(rows[0]!.features.length).toBeGreaterThan(0);
    expect(rows[0]!.features).toEqual(rows[1]!.features);

    const bad = path.join(tmp, 'corrupt.jpg');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from('not really a JPEG')]));
    const skip = path.join(tmp, 'jpeg-skip.jsonl');
    await expect(gim('embed', '--run', visionRun, '--input', bad, '--input', JPEG, '--out', skip)).rejects.toThrow(
      `${bad}: not a readable JPEG`,
    );
    expect(fs.existsSync(skip)).toBe(false);
    await expectSkipped(visionRun, bad, JPEG, skip);
    expect((JSON.parse(fs.readFileSync(skip, 'utf8')) as { path: string }).path).toBe(JPEG);
  });

  it('a corrupt file stops embed with an error naming it; --skip-bad counts and skips it', async () => {
    const bad = path.join(tmp, 'corrupt.flac');
    fs.writeFileSync(bad, 'fLaC not really');
    const out = path.join(tmp, 'skip.safetensors');
    await expect(gim('embed', '--run', audioRun, '--input', bad, '--input', wav, '--out', out)).rejects.toThrow(bad);
    expect(fs.existsSync(out)).toBe(false);
    await expectSkipped(audioRun, bad, wav, out);
    expect(JSON.parse(readSafetensorsSync(out).metadata.paths!)).toEqual([wav]);
  });

  it('refuses to overwrite an existing --out unless --overwrite', async () => {
    const out = path.join(tmp, 'mine.jsonl');
    fs.writeFileSync(out, 'my notes\n');
    await expect(gim('embed', '--run', audioRun, '--input', wav, '--out', out)).rejects.toThrow(
      `${out}: exists (pass --overwrite to replace it)`,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe('my notes\n');
    await gim('embed', '--run', audioRun, '--input', wav, '--out', out, '--overwrite');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).path).toBe(wav);
  });

  it('supervised runs load too: the classifier sizes come from the checkpoint (speaker classes, vision classes)', async () => {
    const steps = ['--set', 'train.steps=1', '--set', 'train.checkpointEvery=1'];
    const speaker = path.join(tmp, 'audio-speaker');
    const supervised = path.join(tmp, 'vision-supervised');
    await gim(
      'train',
      '--preset',
      'audio-tiny',
      '--run',
      speaker,
      '--set',
      `data.root=${FIXTURES}`,
      ...steps,
      '--set',
      'train.objective=speaker',
    );
    await gim('train', '--preset', 'vision-tiny', '--run', supervised, ...steps, '--set', 'train.objective=supervised');
    for (const [run, file] of [
      [speaker, wav],
      [supervised, png],
    ] as const) {
      const encoder = await loadEncoder({ run }, quiet.log);
      const [row] = await encoder.embedFile(file);
      expect(row!.features.shape.length).toBe(1);
      row!.features.dispose();
      encoder.dispose();
    }
  });

  it('--input takes folders (recursively) and globs; a pattern matching nothing is an error', () => {
    const dir = path.join(tmp, 'inputs', 'nested');
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['b.wav', 'a.flac', 'notes.txt']) fs.writeFileSync(path.join(dir, name), '');
    const root = path.join(tmp, 'inputs');
    expect(listInputs([root])).toEqual([path.join(dir, 'a.flac'), path.join(dir, 'b.wav')]);
    expect(listInputs([`${root}/**/*.wav`])).toEqual([path.join(dir, 'b.wav')]);
    expect(() => listInputs([`${root}/*.ogg`])).toThrow(`--input ${root}/*.ogg: no file matches`);
    expect(() => listInputs([path.join(tmp, 'absent.wav')])).toThrow('no such file or folder');
    expect(() => listInputs([])).toThrow('--input: give at least one file, folder or glob');
  });
});
