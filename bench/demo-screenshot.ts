/**
 * The demo page's screenshot (results/export-demo.png) for a trained vision encoder: `gim serve-demo`'s content (the
 * run's first 100 test images as the gallery, embedded by gim embed's code), one further test image dropped on the
 * page (?probe= a data URL), taken in headless Chromium; results/export-demo.md says which model, which query, and
 * the neighbours libtorch finds for it (the page's features equal libtorch's to 1e-4, src/demo/demo.test.ts).
 *
 *   npx tsx bench/demo-screenshot.ts --from pretrained/fashion-mnist-gim-small.gim.tgz [--query 100]
 *                                    [--out results/export-demo.png]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { screenshot } from '../src/demo/chromium.js';
import { pngOfPixels } from '../src/demo/gallery.js';
import { demoContent, demoServer } from '../src/demo/server.js';
import { loadEncoder } from '../src/experiments/encoder.js';
import type { VisionConfig } from '../src/experiments/vision/config.js';
import { openVisionData } from '../src/experiments/vision/data.js';

const NEIGHBOURS = 5;
const WIDTH = 1100;
const HEIGHT = 1000;
const BYTE_MAX = 255;

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    from: { type: 'string' },
    query: { type: 'string', default: '100' },
    out: { type: 'string', default: 'results/export-demo.png' },
  },
});
const query = Number(values.query);
if (!Number.isInteger(query) || query < 0) throw new Error(`--query ${values.query}: expected a test image index`);
const model = values.from !== undefined ? { from: values.from } : values.run !== undefined ? { run: values.run } : null;
if (model === null) throw new Error('give --run <dir> or --from <pack>');
const started = performance.now();

const content = await demoContent(model);
if (content.gallery.experiment !== 'vision') throw new Error('the screenshot script takes vision encoders');
const gallery = content.gallery;

// The query: a test image after the gallery's, as the PNG a user would drop (gray, the data set's side).
const encoder = await loadEncoder(model, () => undefined);
const config = encoder.config as VisionConfig;
const data = openVisionData(config);
const side = data.test.height;
const pixels = Array.from(data.test.image(query).subarray(0, side * side), (v) => Math.round(v * BYTE_MAX));
const trueLabel = data.classNames[data.test.label(query)]!;
data.close();
const png = pngOfPixels(pixels, side);
const queryFile = `${values.out}.query.png`;
fs.writeFileSync(queryFile, png);
const [row] = await encoder.embedFile(queryFile);
fs.rmSync(queryFile);
const vector = Array.from(row!.features.data() as Float32Array);
row!.features.dispose();
const step = encoder.step;
const module = encoder.module;
encoder.dispose();

const unit = (v: readonly number[]): number[] => {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
};
const q = unit(vector);
const ranked = gallery.items
  .map((item) => ({ item, cos: unit(item.vector).reduce((s, x, d) => s + x * q[d]!, 0) }))
  .sort((a, b) => b.cos - a.cos)
  .slice(0, NEIGHBOURS);

const server = demoServer(content);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
try {
  const url = `http://127.0.0.1:${port}/?probe=${encodeURIComponent(`data:image/png;base64,${png.toString('base64')}`)}`;
  await screenshot({ url, file: values.out, width: WIDTH, height: HEIGHT });
} finally {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const notes = values.out.replace(/\.png$/, '.md');
const lines = [
  '# The demo page with a trained encoder',
  '',
  `\`${values.out}\`: \`gim serve-demo ${values.from !== undefined ? `--from ${values.from}` : `--run ${values.run}`}\`` +
    ` (module ${module} of the encoder, checkpoint step ${step})` +
    ` with its default gallery: the first ${gallery.items.length} Fashion-MNIST test images, embedded by \`gim embed\`'s code.`,
  `The query dropped on the page is test image #${query} (class: ${trueLabel}), not in the gallery.`,
  '',
  'The page runs in virtual time (headless Chromium), so its "encoded in" line reads 0.0 ms; see export.md for speeds.',
  '',
  `Written by \`npx tsx bench/demo-screenshot.ts ${process.argv.slice(2).join(' ')}\` in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  '',
  'Its nearest gallery images (cosine similarity of the pooled features, computed by libtorch; the page computes them',
  'with onnxruntime-web):',
  '',
  '| rank | class | cosine | gallery file |',
  '| ---: | --- | ---: | --- |',
  ...ranked.map(
    ({ item, cos }, i) => `| ${i + 1} | ${gallery.labels[item.label]} | ${cos.toFixed(4)} | ${item.name} |`,
  ),
  '',
];
fs.writeFileSync(notes, lines.join('\n'));
console.log(lines.join('\n'));
