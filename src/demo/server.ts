/**
 * `gim serve-demo`: a static HTTP server (node:http) for the demo page: demo/ (the page, shipped in the package), the
 * files of onnxruntime-web (an optional dependency) that the page loads under /ort/, and, built in memory from the run
 * or pack (nothing is written into it): /encoder.onnx (modules 1..k),
 * /gallery.json (gim embed's rows, embedded-gallery.ts) and /gallery/<i>.png or .wav (the gallery's images or clips,
 * e.g. to drop one back onto the page).
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openModelSource } from '../experiments/pack.js';
import { checkModule, encoderModel } from '../export/onnx.js';
import { loadTrainedStack } from '../export/trained-stack.js';
import { AUDIO_SAMPLE_RATE, wavFloat32 } from './audio-gallery.js';
import { defaultGallery, embeddedGallery, type Gallery, type GalleryModel } from './embedded-gallery.js';
import { pngOfPixels } from './gallery.js';

export type { Gallery };

/** The page: demo/ of this package (from src/demo/ or dist/demo/ alike), wherever it is installed. */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));
/** What demo/app.js loads from /ort/: onnxruntime-web's wasm-only build and its runtime, nothing else of its dist/. */
export const ORT_WEB_FILES: readonly string[] = [
  'ort.wasm.min.mjs',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];
const ORT_WEB_MISSING =
  'the demo page runs the encoder in the browser with onnxruntime-web, an optional dependency of greedy-infomax ' +
  'that is not installed (installs with --omit=optional skip it); install it: npm install onnxruntime-web';
const GALLERY_FILE = /^\/gallery\/(\d+)\.(png|wav)$/;
const HTTP_NOT_FOUND = 404;
const HTTP_OK = 200;
const DEFAULT_GALLERY_SIZE = 100;

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.wav': 'audio/wav',
};

export interface DemoArgs {
  /** A run folder; or `from`, a packed model (gim pack). Exactly one. */
  run?: string;
  from?: string;
  /** 1-based module whose features the page compares (default the last). */
  module?: number;
  /**
   * The gallery: a `gim embed` output (.jsonl, .safetensors or .npy; pooled rows of files in one folder per label)
   * made with the same run and module. Default: the run's first test images or clips, embedded the same way.
   */
  gallery?: string;
  /** Test images or clips in the default gallery (default 100). */
  gallerySize?: number;
}

export interface DemoContent {
  encoder: Uint8Array;
  gallery: Gallery;
}

/**
 * ortWebDir(resolve): the dist/ folder of the onnxruntime-web that this package resolves (`resolve`: require.resolve
 * from here), holding every file of ORT_WEB_FILES; the error says which package to install (or which files it lacks).
 */
export function ortWebDir(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string {
  let dir: string;
  try {
    dir = path.dirname(resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  } catch (err) {
    throw new Error(ORT_WEB_MISSING, { cause: err });
  }
  const missing = ORT_WEB_FILES.filter((name) => !fs.existsSync(path.join(dir, name)));
  if (missing.length > 0) {
    throw new Error(
      `${dir}: onnxruntime-web lacks ${missing.join(', ')}; npm install onnxruntime-web@${ortWebRange()}`,
    );
  }
  return dir;
}

/** The versions of onnxruntime-web this package asks for (its package.json's optionalDependencies). */
function ortWebRange(): string {
  const file = new URL('../../package.json', import.meta.url);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { optionalDependencies?: Record<string, string> };
  return json.optionalDependencies?.['onnxruntime-web'] ?? 'latest';
}

/** demoContent(args): the encoder's ONNX bytes and the gallery, from the run or pack. */
export async function demoContent(args: DemoArgs): Promise<DemoContent> {
  if ((args.run === undefined) === (args.from === undefined)) {
    throw new Error('serve-demo: give exactly one of --run (a run folder) and --from (a packed model)');
  }
  const source = await openModelSource(args);
  try {
    let encoder: Uint8Array;
    let model: GalleryModel;
    const { runConfig, stack, step } = loadTrainedStack(source.dir);
    try {
      const module = checkModule(args.module, stack.length, source.name);
      encoder = encoderModel({
        experiment: runConfig.experiment,
        stack,
        module,
        metadata: { 'gim.config': JSON.stringify(runConfig.config), 'gim.step': String(step) },
      });
      model = { dir: source.dir, name: source.name, module, runConfig };
    } finally {
      stack.dispose();
    }
    const gallery =
      args.gallery === undefined
        ? await defaultGallery(model, args.gallerySize ?? DEFAULT_GALLERY_SIZE)
        : await embeddedGallery(args.gallery, model);
    return { encoder, gallery };
  } finally {
    source.close();
  }
}

/** A gallery item as a file: a clip as WAV (audio), an image as PNG (gray, the data set's side); null if none. */
function galleryFile(gallery: Gallery, index: number, extension: string): Buffer | null {
  if (gallery.experiment === 'audio') {
    const clip = gallery.items[index];
    return clip === undefined || extension !== 'wav' ? null : wavFloat32(clip.samples, AUDIO_SAMPLE_RATE);
  }
  const item = gallery.items[index];
  return item === undefined || extension !== 'png' ? null : pngOfPixels(item.pixels, gallery.input.side);
}

/** A file under `root` for a URL path, or null when the path leaves `root` or names no file. */
export function fileUnder(root: string, urlPath: string): string | null {
  const file = path.resolve(root, `.${decodeURIComponent(urlPath)}`);
  if (!file.startsWith(path.resolve(root) + path.sep)) return null;
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() === true ? file : null;
}

/** demoServer(content, ortDir): the HTTP server (not yet listening); ortDir: onnxruntime-web's dist/ (ortWebDir()). */
export function demoServer(content: DemoContent, ortDir: string = ortWebDir()): http.Server {
  const ortFiles = new Map(ORT_WEB_FILES.map((name) => [`/ort/${name}`, path.join(ortDir, name)]));
  const galleryJson = JSON.stringify(content.gallery);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (body: string | Uint8Array, type: string): void => {
      res.writeHead(HTTP_OK, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const pathname = url.pathname === '/' ? '/index.html' : url.pathname;
    if (pathname === '/encoder.onnx') return send(content.encoder, 'application/octet-stream');
    if (pathname === '/gallery.json') return send(galleryJson, CONTENT_TYPES['.json']!);
    const item = GALLERY_FILE.exec(pathname);
    const bytes = item === null ? null : galleryFile(content.gallery, Number(item[1]), item[2]!);
    if (bytes !== null) return send(bytes, CONTENT_TYPES[`.${item![2]!}`]!);
    const file = pathname.startsWith('/ort/') ? (ortFiles.get(pathname) ?? null) : fileUnder(DEMO_DIR, pathname);
    if (file === null) {
      res.writeHead(HTTP_NOT_FOUND, { 'content-type': 'text/plain' });
      res.end(`not found: ${url.pathname}\n`);
      return;
    }
    send(fs.readFileSync(file), CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
  });
}
