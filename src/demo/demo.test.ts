/**
 * The demo page (issue 14 §3): gim serve-demo's routes, and the page in headless Chromium (Debian's `chromium`):
 * a gallery image or clip dropped back on the page (?probe=) is embedded by onnxruntime-web and its top neighbour is
 * itself, with its class or speaker, and its features equal libtorch's — which holds only if the page prepares inputs
 * as the run's readers do.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/program.js';
import { serveDemoCommand } from '../cli/serve-demo.js';
import { readRunConfig } from '../experiments/run-eval.js';
import type { VisionConfig } from '../experiments/vision/config.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { hasChromium, openUntil, screenshot } from './chromium.js';
import { writeVisionGalleryFiles } from './gallery.js';
import { demoContent, demoServer, ORT_WEB_FILES, ortWebDir, type DemoContent } from './server.js';

const HAS_CHROMIUM = hasChromium();
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

/** What the page posts to /report when it has embedded a query (?report). */
interface PageReport {
  state: 'done' | 'error';
  message?: string;
  vector?: number[];
  /** Gallery items (their test index), nearest first. */
  neighbours?: number[];
}

/** The demo server of `content`, plus POST /report: each report resolves the promise `nextReport()` handed out. */
function reportingServer(content: DemoContent): { server: http.Server; nextReport: () => Promise<PageReport> } {
  const page = demoServer(content).listeners('request')[0] as http.RequestListener;
  let deliver: (report: PageReport) => void = () => undefined;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/report') return page(req, res);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      res.writeHead(204).end();
      deliver(JSON.parse(body) as PageReport);
    });
  });
  return { server, nextReport: () => new Promise<PageReport>((resolve) => (deliver = resolve)) };
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
async function expectSelfMatch(
  base: string,
  nextReport: () => Promise<PageReport>,
  content: DemoContent,
  index: number,
  extension: string,
): Promise<void> {
  const report = await openUntil(`${base}/?probe=/gallery/${index}.${extension}&report`, nextReport());
  expect(report.message).toBeUndefined();
  expect(report.state).toBe('done');
  const item = content.gallery.items[index]!;
  const top = content.gallery.items.find((i) => i.index === report.neighbours![0])!;
  expect(content.gallery.labels[top.label]).toBe(content.gallery.labels[item.label]);
  expect(top.index).toBe(item.index);
  const vector = report.vector!;
  const scale = Math.max(...item.vector.map(Math.abs));
  const error = Math.max(...vector.map((v, i) => Math.abs(v - item.vector[i]!))) / scale;
  console.log(`${content.gallery.experiment}: onnxruntime-web vs libtorch, max rel. error ${error.toExponential(2)}`);
  expect(error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
}

describe.skipIf(!HAS_FASHION_MNIST)('gim serve-demo on a vision-tiny run', () => {
  const run = path.join(tmp, 'vision-tiny');
  const files = path.join(tmp, 'vision-gallery');
  const features = path.join(tmp, 'vision-gallery.jsonl');
  let content: DemoContent;
  let server: http.Server | undefined;
  let nextReport: () => Promise<PageReport>;
  let base: string;
  beforeAll(async () => {
    await gim('train', '--preset', 'vision-tiny', '--run', run, '--set', 'train.steps=2');
    // The documented two commands: gim embed over a folder per class, then serve-demo --gallery with its output.
    writeVisionGalleryFiles(readRunConfig(run).config as VisionConfig, files, 40);
    await gim('embed', '--run', run, '--input', files, '--out', features);
    content = await demoContent({ run, gallery: features });
    const reporting = reportingServer(content);
    server = reporting.server;
    nextReport = reporting.nextReport;
    base = await listen(server);
  });
  afterAll(() => close(server));

  it('the gallery is gim embed’s rows with their folders as labels; the default gallery is the same rows', async () => {
    const rows = fs
      .readFileSync(features, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string; features: number[] });
    const items = content.gallery.items;
    expect(items.map((item) => item.vector)).toEqual(rows.map((row) => row.features));
    expect(items.map((item) => content.gallery.labels[item.label])).toEqual(
      rows.map((row) => decodeURIComponent(path.basename(path.dirname(row.path)))),
    );
    expect(content.gallery.labels).toContain('T-shirt/top');
    const byDefault = await demoContent({ run, gallerySize: 40 });
    expect(byDefault.gallery.items.map(({ name, label, vector }) => ({ name, label, vector }))).toEqual(
      items.map(({ name, label, vector }) => ({ name, label, vector })),
    );
  });

  it('--from a pack: the same encoder and gallery as the run (weights without optimizer state)', async () => {
    const pack = path.join(tmp, 'vision-tiny.gim.tgz');
    await gim('pack', '--run', run, '--out', pack);
    const packed = await demoContent({ from: pack, gallery: features });
    expect(Buffer.from(packed.encoder).equals(Buffer.from(content.encoder))).toBe(true);
    expect(packed.gallery).toEqual(content.gallery);
    await expect(demoContent({ run, from: pack })).rejects.toThrow('give exactly one of --run');
  });

  it('refuses a gallery embedded with another module, or rows that are not pooled vectors of files', async () => {
    const other = path.join(tmp, 'module-1.jsonl');
    await gim('embed', '--run', run, '--input', files, '--out', other, '--module', '1');
    await expect(demoContent({ run, gallery: other })).rejects.toThrow(
      `${other}: its first row (${path.join(files, 'Ankle%20boot', 'test-00000.png')}) is not module 3 of ${run}`,
    );
    const grid = path.join(tmp, 'grid.jsonl');
    await gim('embed', '--run', run, '--input', files, '--out', grid, '--pool', 'none');
    await expect(demoContent({ run, gallery: grid })).rejects.toThrow('a gallery needs pooled vectors of one width');
    await expect(demoContent({ run, gallery: path.join(tmp, 'absent.jsonl') })).rejects.toThrow('no such file');
  });

  it('serves the page, the encoder, the gallery, its images and onnxruntime-web; nothing outside them', async () => {
    expect(await (await fetch(`${base}/`)).text()).toContain('<script type="module" src="app.js">');
    const encoder = new Uint8Array(await (await fetch(`${base}/encoder.onnx`)).arrayBuffer());
    expect(Buffer.from(encoder).equals(Buffer.from(content.encoder))).toBe(true);
    const gallery = (await (await fetch(`${base}/gallery.json`)).json()) as DemoContent['gallery'];
    expect(gallery.items).toHaveLength(40);
    expect(gallery.items[0]!.vector).toHaveLength(32);
    const png = new Uint8Array(await (await fetch(`${base}/gallery/${PROBE}.png`)).arrayBuffer());
    expect([...png.subarray(0, PNG_SIGNATURE.length)]).toEqual(PNG_SIGNATURE);
    for (const name of ORT_WEB_FILES) expect((await fetch(`${base}/ort/${name}`)).status).toBe(200);
    expect((await fetch(`${base}/ort/ort.min.mjs`)).status).toBe(404); // only what the page loads
    expect((await fetch(`${base}/ort/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/gallery/40.png`)).status).toBe(404);
    expect((await fetch(`${base}/gallery/0.wav`)).status).toBe(404);
  });

  it.skipIf(!HAS_CHROMIUM)(
    'in headless Chromium, a dropped gallery image finds itself and its class first',
    async () => {
      await expectSelfMatch(base, nextReport, content, PROBE, 'png');
      const file = path.join(tmp, 'demo.png');
      await screenshot({ url: `${base}/?probe=/gallery/${PROBE}.png`, file, width: 1100, height: 820 });
      expect([...fs.readFileSync(file).subarray(0, PNG_SIGNATURE.length)]).toEqual(PNG_SIGNATURE);
    },
    120_000,
  );
});

describe('onnxruntime-web for the page', () => {
  it('is found next to the package; a missing or incomplete one names the package to install', () => {
    const dir = ortWebDir();
    for (const name of ORT_WEB_FILES) expect(fs.existsSync(path.join(dir, name))).toBe(true);
    const missing = (): string => {
      throw new Error("Cannot find module 'onnxruntime-web/ort-wasm-simd-threaded.wasm'");
    };
    expect(() => ortWebDir(missing)).toThrow('not installed (installs with --omit=optional skip it)');
    expect(() => ortWebDir(missing)).toThrow('npm install onnxruntime-web');
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const empty = fs.mkdtempSync(path.join(tmp, 'ort-'));
    expect(() => ortWebDir(() => path.join(empty, 'ort-wasm-simd-threaded.wasm'))).toThrow(
      `${empty}: onnxruntime-web lacks ${ORT_WEB_FILES.join(', ')}; ` +
        `npm install onnxruntime-web@${pkg.optionalDependencies['onnxruntime-web']}`,
    );
  });
});

describe('gim serve-demo on an audio-tiny run', () => {
  const run = path.join(tmp, 'audio-tiny');
  let content: DemoContent;
  let server: http.Server | undefined;
  let nextReport: () => Promise<PageReport>;
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
    const reporting = reportingServer(content);
    server = reporting.server;
    nextReport = reporting.nextReport;
    base = await listen(server);
  });
  afterAll(() => close(server));

  it('serves the gallery clips as WAV; a bad module names the run', async () => {
    const wav = Buffer.from(await (await fetch(`${base}/gallery/0.wav`)).arrayBuffer());
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect((await fetch(`${base}/gallery/0.png`)).status).toBe(404);
    await expect(demoContent({ run, module: 7 })).rejects.toThrow(`${run}: module 7 does not exist`);
  });

  it('without the run’s data, the default gallery says so and offers --gallery', async () => {
    const root = path.join(tmp, 'speech-copy');
    fs.cpSync(FIXTURES, root, { recursive: true });
    const moved = path.join(tmp, 'audio-moved-data');
    await gim(
      'train',
      '--preset',
      'audio-tiny',
      '--run',
      moved,
      '--set',
      `data.root=${root}`,
      '--set',
      'train.steps=1',
    );
    fs.rmSync(root, { recursive: true, force: true });
    const rejected = expect(demoContent({ run: moved })).rejects;
    await rejected.toThrow(`${moved}: the default gallery is the run's first 100 test clips, from its data (data.root`);
    await expect(demoContent({ run: moved })).rejects.toThrow('or pass --gallery <file>');
  });

  it('gim serve-demo listens where asked and serves the page and its runtime; a taken port or no model is named', async () => {
    const served = await serveDemoCommand({ run, port: '0', host: '127.0.0.1' });
    try {
      const address = served.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      expect(await (await fetch(`${url}/`)).text()).toContain('<script type="module" src="app.js">');
      const runtime = await fetch(`${url}/ort/ort.wasm.min.mjs`);
      expect(runtime.headers.get('content-type')).toContain('text/javascript');
      const port = String(new URL(url).port);
      await expect(serveDemoCommand({ run, port, host: '127.0.0.1' })).rejects.toThrow(`--port ${port}: listen`);
    } finally {
      await close(served);
    }
    await expect(gim('serve-demo', '--port', '0')).rejects.toThrow('--from <file> (a packed model, gim pack): neither');
  });

  it.skipIf(!HAS_CHROMIUM)(
    'in headless Chromium, a dropped gallery clip finds itself and its speaker first',
    async () => {
      await expectSelfMatch(base, nextReport, content, 0, 'wav');
    },
    120_000,
  );
});
