/**
 * `gim serve-demo`: a static HTTP server (node:http) for the demo page: demo/ (the page), onnxruntime-web's dist/ under
 * /ort/, and, built in memory from the run (nothing is written into it): /encoder.onnx (modules 1..k), /gallery.json
 * and /gallery/<i>.png or .wav (the gallery's images or clips, e.g. to drop one back onto the page).
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { checkModule, encoderModel } from '../export/onnx.js';
import { loadTrainedStack } from '../export/trained-stack.js';
import { AUDIO_SAMPLE_RATE, audioGallery, wavFloat32, type AudioGallery } from './audio-gallery.js';
import { visionGallery, type Gallery as VisionGallery } from './gallery.js';

export type Gallery = VisionGallery | AudioGallery;

export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));
export const ORT_WEB_DIR = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web')); // …/dist
const GALLERY_FILE = /^\/gallery\/(\d+)\.(png|wav)$/;
const BYTE_MAX = 255;
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
  run: string;
  /** 1-based module whose features the page compares (default the last). */
  module?: number;
  /** Test images or clips in the gallery (default 100). */
  gallerySize?: number;
}

export interface DemoContent {
  encoder: Uint8Array;
  gallery: Gallery;
}

/** demoContent(args): the encoder's ONNX bytes and the gallery, from the run. */
export async function demoContent(args: DemoArgs): Promise<DemoContent> {
  const { runConfig, stack, step } = loadTrainedStack(args.run);
  try {
    const module = checkModule(args.module, stack.length, args.run);
    const encoder = encoderModel({
      experiment: runConfig.experiment,
      stack,
      module,
      metadata: { 'gim.config': JSON.stringify(runConfig.config), 'gim.step': String(step) },
    });
    const size = args.gallerySize ?? DEFAULT_GALLERY_SIZE;
    const gallery =
      runConfig.experiment === 'vision'
        ? visionGallery({ config: runConfig.config, stack, module, size })
        : await audioGallery({ config: runConfig.config, stack, module, size });
    return { encoder, gallery };
  } finally {
    stack.dispose();
  }
}

/** A gallery item as a file: a clip as WAV (audio), an image as PNG (gray, the data set's side); null if none. */
function galleryFile(gallery: Gallery, index: number, extension: string): Buffer | null {
  if (gallery.experiment === 'audio') {
    const clip = gallery.items[index];
    return clip === undefined || extension !== 'wav' ? null : wavFloat32(clip.samples, AUDIO_SAMPLE_RATE);
  }
  const item = gallery.items[index];
  if (item === undefined || extension !== 'png') return null;
  const side = gallery.input.side;
  const png = new PNG({ width: side, height: side, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(item.pixels.map((v) => Math.min(BYTE_MAX, Math.max(0, v))));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0 });
}

/** A file under `root` for a URL path, or null when the path leaves `root` or names no file. */
export function fileUnder(root: string, urlPath: string): string | null {
  const file = path.resolve(root, `.${decodeURIComponent(urlPath)}`);
  if (!file.startsWith(path.resolve(root) + path.sep)) return null;
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() === true ? file : null;
}

/** demoServer(content): the HTTP server (not yet listening). */
export function demoServer(content: DemoContent): http.Server {
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
    const file = pathname.startsWith('/ort/')
      ? fileUnder(ORT_WEB_DIR, pathname.slice('/ort'.length))
      : fileUnder(DEMO_DIR, pathname);
    if (file === null) {
      res.writeHead(HTTP_NOT_FOUND, { 'content-type': 'text/plain' });
      res.end(`not found: ${url.pathname}\n`);
      return;
    }
    send(fs.readFileSync(file), CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
  });
}
