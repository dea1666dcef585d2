import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reproduceDirs } from '../experiments/results-dir.js';
import { trainVisionRows } from '../experiments/vision/reproduce.js';
import { defaultDemoRun, demoCommand } from './demo.js';
import { buildProgram } from './program.js';
import { reproduceCommand } from './reproduce.js';

describe('gim reproduce', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-reproduce-cli-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('defaults to --scale tiny and says what each scale costs', () => {
    const reproduce = buildProgram().commands.find((c) => c.name() === 'reproduce')!;
    const scale = reproduce.options.find((o) => o.long === '--scale')!;
    expect(scale.defaultValue).toBe('tiny');
    expect(scale.description).toMatch(/small: about ½–1½ h on 2 CPU cores/);
  });

  it('writes tiny and full results beside their runs; only small writes the committed results/<experiment>', () => {
    expect(reproduceDirs('audio', 'tiny')).toEqual({
      runsRoot: path.join('runs', 'reproduce-audio-tiny'),
      resultsDir: path.join('runs', 'reproduce-audio-tiny', 'results'),
    });
    expect(reproduceDirs('vision', 'full').resultsDir).toBe(path.join('runs', 'reproduce-vision-full', 'results'));
    expect(reproduceDirs('vision', 'small').resultsDir).toBe(path.join('results', 'vision'));
  });

  it("refuses, before training, to write over another scale's results", async () => {
    const out = path.join(tmp, 'results');
    fs.mkdirSync(out);
    const saved = `${JSON.stringify({ scale: 'small', rows: {} })}\n`;
    fs.writeFileSync(path.join(out, 'results.json'), saved);
    for (const experiment of ['audio', 'vision'])
      await expect(reproduceCommand(experiment, 'tiny', [], { out, log: () => undefined })).rejects.toThrow(
        /results\.json holds results of scale 'small'; scale 'tiny' would overwrite them/,
      );
    expect(fs.readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(saved);
    expect(fs.readdirSync(out)).toEqual(['results.json']);
  });

  it('checks --set keys before training (the patch would otherwise drop unknown keys silently)', async () => {
    await expect(
      reproduceCommand('audio', 'tiny', ['train.step=2'], { out: path.join(tmp, 'none'), log: () => undefined }),
    ).rejects.toThrow(/did you mean 'train\.steps'\?/);
    expect(fs.existsSync(path.join(tmp, 'none'))).toBe(false);
  });
});

describe('gim reproduce vision --rows', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-reproduce-rows-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const log = () => undefined;

  it('trains only the named runs, and a second call finds them finished', async () => {
    const runsRoot = path.join(tmp, 'runs');
    const first = await trainVisionRows({ scale: 'tiny', runsRoot, log }, ['supervised', 'gim']);
    expect(Object.keys(first).sort()).toEqual(['gim', 'supervised']);
    expect(fs.readdirSync(runsRoot).sort()).toEqual(['gim', 'supervised']);
    expect(await trainVisionRows({ scale: 'tiny', runsRoot, log }, ['gim'])).toEqual({});
  });

  it('refuses unknown run names, and --rows or --scale medium outside vision, before anything is written', async () => {
    const runsRoot = path.join(tmp, 'refused');
    await expect(trainVisionRows({ scale: 'tiny', runsRoot, log }, ['gim', 'gimm'])).rejects.toThrow(
      /--rows: unknown run\(s\) gimm \(known: gim, cpc, supervised, greedy-supervised, dim, predsim, clapp\)/,
    );
    expect(fs.existsSync(runsRoot)).toBe(false);
    await expect(reproduceCommand('audio', 'tiny', [], { rows: ['gim'], log })).rejects.toThrow(/--rows is for vision/);
    await expect(reproduceCommand('audio', 'tiny', [], { trainedOnly: true, log })).rejects.toThrow(
      /--trained-only is for vision/,
    );
    await expect(reproduceCommand('vision', 'tiny', [], { trainedOnly: true, rows: ['gim'], log })).rejects.toThrow(
      /--rows trains runs and --trained-only trains none; give one of them/,
    );
    await expect(reproduceCommand('vision', 'tiny', [], { earlierResults: 'results.json', log })).rejects.toThrow(
      /--earlier-results fills in the rows a --trained-only call does not have; give --trained-only too/,
    );
    await expect(reproduceCommand('audio', 'medium', [], { log })).rejects.toThrow(
      /--scale medium exists for vision only \(audio: tiny, small, full\)/,
    );
    const rows = buildProgram()
      .commands.find((c) => c.name() === 'reproduce')!
      .options.find((o) => o.long === '--rows')!;
    expect(rows.parseArg!('gim, cpc,', undefined)).toEqual(['gim', 'cpc']);
    await expect(trainVisionRows({ scale: 'tiny', runsRoot, log }, [])).rejects.toThrow(/name at least one run/);
  });
});

describe('gim demo', () => {
  it('runs into a new timestamped folder by default', () => {
    expect(defaultDemoRun(new Date('2026-12-05T08:30:15.123Z'))).toBe(path.join('runs', 'demo-2026-12-05T08-30-15'));
    const demo = buildProgram().commands.find((c) => c.name() === 'demo')!;
    expect(demo.options.map((o) => o.long)).toEqual(['--run', '--set']);
  });

  it('refuses a run folder that is not empty, and unknown --set keys, before training', async () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-demo-cli-'));
    fs.writeFileSync(path.join(run, 'notes.txt'), 'mine');
    await expect(demoCommand({ run, sets: [] })).rejects.toThrow(/already exists and is not an empty folder/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-demo-cli-'));
    await expect(demoCommand({ run: empty, sets: ['train.stesp=3'] })).rejects.toThrow(/did you mean 'train\.steps'\?/);
    expect(fs.readdirSync(empty)).toEqual([]);
    fs.rmSync(empty, { recursive: true });
    expect(fs.readdirSync(run)).toEqual(['notes.txt']);
    fs.rmSync(run, { recursive: true });
  });
});
