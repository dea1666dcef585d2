/**
 * The demo page (issue 14 §3): gim serve-demo's routes, and the page in headless Chromium (Debian's `chromium`):
 * a gallery image or clip dropped back on the page (?probe=) is embedded by onnxruntime-web and its top neighbour is
 * itself, with its class or speaker, and its features equal libtorch's — which holds only if the page prepares inputs
 * as the run's readers do.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/program.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { demoContent, demoServer, type DemoContent } from './server.js';

const CHROMIUM = 'chromium';
const HAS_CHROMIUM = spawnSync(CHROMIUM, ['--version']).status === 0;
const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const FIXTURES = new URL('../audio/data/fixtures/librispeech', import.meta.url).pathname;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const PROBE = 3;
const MAX_RELATIVE_ERROR = 1e-4;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-demo-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const gim = async (...argv: string[]): Promise<void> => {
  await buildProgram().exitOverride().parseAsync(argv, { from: 'user' });
};

/** Headless Chromium on `url` with `flags`; resolves to its stdout. */
async function chromium(url: string, ...flags: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=30000', ...flags, url],
    { timeout: 60_000, maxBuffer: 1 << 24 },
  );
  return stdout;
}

/** Listen on a free port of 127.0.0.1; resolves to the base URL. */
async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

const close = (server: http.Server | undefined): Promise<void> =>
  new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));

/**
 * The page, given gallery item `index` as its query, lists that item first with its label, and its features
 * (onnxruntime-web) equal libtorch's, pooled the same way, to 1e-4 relative.
 */
async function expectSelfMatch(base: string, content: DemoContent, index: number, extension: string): Promise<void> {
  const dom = await chromium(`${base}/?probe=/gallery/${index}.${extension}`, '--dump-dom');
  const item = content.gallery.items[index]!;
  const label = content.gallery.labels[item.label]!;
  expect(dom).toContain('data-state="done"');
  expect(dom).toContain(`data-top="${label}"`);
  expect(/<li data-label="([^"]*)" data-index="(\d+)"/.exec(dom)?.slice(1)).toEqual([label, String(item.index)]);
  const vector = JSON.parse(/<pre id="query-vector" hidden="">([^<]*)<\/pre>/.exec(dom)![1]!) as number[];
  const scale = Math.max(...item.vector.map(Math.abs));
  const error = Math.max(...vector.map((v, i) => Math.abs(v - item.vector[i]!))) / scale;
  console.log(`${content.gallery.experiment}: onnxruntime-web vs libtorch, max rel. error ${error.toExponential(2)}`);
  expect(error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
}

describe.skipIf(!HAS_FASHION_MNIST)('gim serve-demo on a vision-tiny run', () => {
  const run = path.join(tmp, 'vision-tiny');
  let content: DemoContent;
  let server: http.Server | undefined;
  let base: string;
  beforeAll(async () => {
    await gim('train', '--preset', 'vision-tiny', '--run', run, '--set', 'train.steps=2');
    content = await demoContent({ run, gallerySize: 40 });
    server = demoServer(content);
    base = await listen(server);
  });
  afterAll(() => close(server));

  it('serves the page, the encoder, the gallery, its images and onnxruntime-web; nothing outside them', async () => {
    expect(await (await fetch(`${base}/`)).text()).toContain('<script type="module" src="app.js">');
    const encoder = new Uint8Array(await (await fetch(`${base}/encoder.onnx`)).arrayBuffer());
    expect(Buffer.from(encoder).equals(Buffer.from(content.encoder))).toBe(true);
    const gallery = (await (await fetch(`${base}/gallery.json`)).json()) as DemoContent['gallery'];
    expect(gallery.items).toHaveLength(40);
    expect(gallery.items[0]!.vector).toHaveLength(32);
    const png = new Uint8Array(await (await fetch(`${base}/gallery/${PROBE}.png`)).arrayBuffer());
    expect([...png.subarray(0, PNG_SIGNATURE.length)]).toEqual(PNG_SIGNATURE);
    expect((await fetch(`${base}/ort/ort.min.mjs`)).status).toBe(200);
    expect((await fetch(`${base}/ort/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/gallery/40.png`)).status).toBe(404);
    expect((await fetch(`${base}/gallery/0.wav`)).status).toBe(404);
  });

  it.skipIf(!HAS_CHROMIUM)(
    'in headless Chromium, a dropped gallery image finds itself and its class first',
    async () => {
      await expectSelfMatch(base, content, PROBE, 'png');
      const screenshot = path.join(tmp, 'demo.png');
      await chromium(`${base}/?probe=/gallery/${PROBE}.png`, `--screenshot=${screenshot}`, '--window-size=1100,820');
      expect([...fs.readFileSync(screenshot).subarray(0, PNG_SIGNATURE.length)]).toEqual(PNG_SIGNATURE);
    },
    120_000,
  );
});

describe('gim serve-demo on an audio-tiny run', () => {
  const run = path.join(tmp, 'audio-tiny');
  let content: DemoContent;
  let server: http.Server | undefined;
  let base: string;
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
    content = await demoContent({ run });
    server = demoServer(content);
    base = await listen(server);
  });
  afterAll(() => close(server));

  it('serves the gallery clips as WAV; a bad module names the run', async () => {
    const wav = Buffer.from(await (await fetch(`${base}/gallery/0.wav`)).arrayBuffer());
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect((await fetch(`${base}/gallery/0.png`)).status).toBe(404);
    await expect(demoContent({ run, module: 7 })).rejects.toThrow(`${run}: module 7 does not exist`);
  });

  it.skipIf(!HAS_CHROMIUM)(
    'in headless Chromium, a dropped gallery clip finds itself and its speaker first',
    async () => {
      await expectSelfMatch(base, content, 0, 'wav');
    },
    120_000,
  );
});
