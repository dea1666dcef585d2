/**
 * The demo page's gallery is `gim embed`'s output: rows of pooled features of labelled files (`<label>/<file>`, the
 * label being the folder's name), read back from the .jsonl, .safetensors or .npy that `gim embed` wrote, with each
 * file's thumbnail or clip. Without a gallery of the user's, the run's first test images or clips are written to a
 * temporary folder, one folder per class or speaker, and embedded by the same code as `gim embed` (embedFiles).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedFiles } from '../experiments/embed.js';
import { loadEncoder } from '../experiments/encoder.js';
import { decodeAudioFile } from '../experiments/encoder-inputs.js';
import { readFeatures } from '../experiments/features-in.js';
import type { FeatureRow } from '../experiments/features-out.js';
import type { RunConfig } from '../experiments/run-eval.js';
import { audioInputSpec, writeAudioGalleryFiles, type AudioGallery } from './audio-gallery.js';
import { thumbnailPixels, visionInputSpec, writeVisionGalleryFiles, type Gallery as VisionGallery } from './gallery.js';
import { labelOfFile } from './labels.js';

export type Gallery = VisionGallery | AudioGallery;

/** The encoder a gallery belongs to: a run folder (or an unpacked pack) and the 1-based module. */
export interface GalleryModel {
  dir: string;
  /** What messages call it (the run or the pack file). */
  name: string;
  module: number;
  runConfig: RunConfig;
}

/** Largest relative difference allowed between a gallery row and the encoder's features of its file. */
const MAX_RELATIVE_ERROR = 1e-4;

/** Check the rows are pooled vectors of one width, of files that exist (not IDX images). */
function checkRows(rows: readonly FeatureRow[], features: string): void {
  if (rows.length === 0) throw new Error(`${features}: no rows`);
  const width = rows[0]!.values.length;
  for (const row of rows) {
    if (row.shape.length !== 1 || row.values.length !== width) {
      throw new Error(
        `${features}: row ${row.path} has shape [${row.shape.join(', ')}]; a gallery needs pooled vectors of one ` +
          'width (gim embed --pool mean, one run and module)',
      );
    }
    if (!fs.statSync(row.path, { throwIfNoEntry: false })?.isFile()) {
      throw new Error(`${features}: row ${row.path}: no such file (a gallery is embedded from image or audio files)`);
    }
  }
}

/** galleryFromRows(rows, model, features): the page's gallery: labels from the files' folders, vectors as written. */
async function galleryFromRows(rows: readonly FeatureRow[], model: GalleryModel, features: string): Promise<Gallery> {
  checkRows(rows, features);
  const names = rows.map((row) => labelOfFile(row.path));
  const labels = [...new Set(names)].sort();
  const common = rows.map((row, index) => ({
    index,
    label: labels.indexOf(names[index]!),
    name: path.join(path.basename(path.dirname(path.resolve(row.path))), path.basename(row.path)),
    vector: Array.from(row.values),
  }));
  const { runConfig } = model;
  if (runConfig.experiment === 'vision') {
    const items = common.map((item, i) => ({ ...item, pixels: thumbnailPixels(rows[i]!.path, runConfig.config) }));
    return { experiment: 'vision', module: model.module, labels, input: visionInputSpec(runConfig.config), items };
  }
  const items = await Promise.all(
    common.map(async (item, i) => ({ ...item, samples: Array.from(await decodeAudioFile(rows[i]!.path)) })),
  );
  return { experiment: 'audio', module: model.module, labels, input: audioInputSpec(runConfig.config), items };
}

/**
 * embeddedGallery(features, model): the gallery of a `gim embed` output. Its first row must be the model's features of
 * that file (to 1e-4 relative): a gallery embedded with another run or module is refused.
 */
export async function embeddedGallery(features: string, model: GalleryModel): Promise<Gallery> {
  const rows = readFeatures(features);
  const gallery = await galleryFromRows(rows, model, features);
  const encoder = await loadEncoder({ run: model.dir, module: model.module });
  try {
    const first = rows[0]!;
    const [row] = await encoder.embedFile(first.path);
    const expected = row!.features.data() as Float32Array;
    row!.features.dispose();
    const scale = Math.max(...expected.map(Math.abs), Number.MIN_VALUE);
    const error =
      expected.length === first.values.length
        ? Math.max(...expected.map((v, i) => Math.abs(v - first.values[i]!))) / scale
        : Infinity;
    if (!(error <= MAX_RELATIVE_ERROR)) {
      throw new Error(
        `${features}: its first row (${first.path}) is not module ${model.module} of ${model.name} on that file ` +
          `(${expected.length === first.values.length ? `max. relative difference ${error.toExponential(2)}` : `${first.values.length} features, expected ${expected.length}`}); ` +
          'embed the gallery with the same run and --module (gim embed --pool mean)',
      );
    }
  } finally {
    encoder.dispose();
  }
  return gallery;
}

/**
 * defaultGallery(model, size): the run's first `size` test images (or one window of each of its first test clips)
 * written as `<class or speaker>/test-NNNNN.png|wav` to a temporary folder and embedded there by embedFiles, the code
 * of `gim embed`; the folder is removed afterwards.
 */
export async function defaultGallery(model: GalleryModel, size: number): Promise<Gallery> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-demo-gallery-'));
  try {
    const files = path.join(dir, 'files');
    const { runConfig } = model;
    try {
      if (runConfig.experiment === 'vision') writeVisionGalleryFiles(runConfig.config, files, size);
      else await writeAudioGalleryFiles(runConfig.config, files, size);
    } catch (err) {
      const what = runConfig.experiment === 'vision' ? 'images' : 'clips';
      throw new Error(
        `${model.name}: the default gallery is the run's first ${size} test ${what}, from its data ` +
          `(data.root ${runConfig.config.data.root}), which cannot be read: ${(err as Error).message}. ` +
          'Make that data available, or pass --gallery <file> (gim embed of your own files, one folder per label)',
        { cause: err },
      );
    }
    const features = path.join(dir, 'gallery.jsonl');
    await embedFiles({
      run: model.dir,
      module: model.module,
      inputs: [files],
      out: features,
      pool: 'mean',
      skipBad: false,
      overwrite: false,
    });
    return await galleryFromRows(readFeatures(features), model, features);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
