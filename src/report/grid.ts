/**
 * A grid of small images (e.g. the image patches that most activate each neuron, one row per neuron or module),
 * enlarged by nearest neighbour and written as PNG with pngjs. Row labels and a title, when given, are added by
 * wrapping the grid in SVG text and rasterising with resvg at 1:1, so the image pixels stay exact.
 */
import { PNG } from 'pngjs';
import { FONT, svgToPng, type Figure } from './plot.js';

export interface GridImage {
  /** Float values in [0, 1] (see normalize), or bytes 0–255. */
  pixels: Float32Array | Uint8Array;
  height: number;
  width: number;
  /** 1 (gray) or 3 (RGB). */
  channels: number;
  /** Pixel order: 'chw' (planes, the project's image layout; default) or 'hwc' (interleaved). */
  layout?: 'chw' | 'hwc';
  /** Float images: 'clip' to [0, 1] (default) or 'minmax' to stretch this image's range to [0, 1]. */
  normalize?: 'clip' | 'minmax';
}

export interface ImageGridOptions {
  /** Rows of images; null leaves a cell empty. */
  images: readonly (readonly (GridImage | null)[])[];
  /** One label per row, drawn left of it. */
  rowLabels?: readonly string[];
  title?: string;
  /** Each image pixel becomes scale × scale PNG pixels; default 4. */
  scale?: number;
  /** Background pixels between cells and around the grid; default 2. */
  gap?: number;
  /** Background gray level 0–255; default 255 (white). */
  background?: number;
}

/** The image as RGB bytes, row-major interleaved. */
function toRgb(img: GridImage): Uint8Array {
  const { pixels, height: H, width: W, channels: C } = img;
  if (C !== 1 && C !== 3) throw new RangeError(`imageGrid: ${C} channels; expected 1 or 3`);
  if (pixels.length !== C * H * W) {
    throw new RangeError(`imageGrid: ${pixels.length} values for ${C}×${H}×${W}`);
  }
  let lo = 0;
  let span = 1;
  const isFloat = pixels instanceof Float32Array;
  if (isFloat && img.normalize === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (const v of pixels) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    lo = min;
    span = max - min;
  }
  const byte = (v: number): number => {
    if (!isFloat) return v;
    const t = span > 0 ? (v - lo) / span : 0.5;
    return Math.round(Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * 255);
  };
  const chw = (img.layout ?? 'chw') === 'chw';
  const out = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        const cc = C === 1 ? 0 : c;
        const v = pixels[chw ? (cc * H + y) * W + x : (y * W + x) * C + cc]!;
        out[(y * W + x) * 3 + c] = byte(v);
      }
    }
  }
  return out;
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The grid alone as a PNG: cells sized to the largest image, each image centred in its cell. */
function gridPng(o: ImageGridOptions): PNG {
  const scale = o.scale ?? 4;
  const gap = o.gap ?? 2;
  const bg = o.background ?? 255;
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`imageGrid: scale ${scale} is not a positive integer`);
  const all = o.images.flat().filter((i): i is GridImage => i !== null);
  const cellH = Math.max(1, ...all.map((i) => i.height)) * scale;
  const cellW = Math.max(1, ...all.map((i) => i.width)) * scale;
  const cols = Math.max(1, ...o.images.map((r) => r.length));
  const rows = Math.max(1, o.images.length);
  const png = new PNG({ width: gap + cols * (cellW + gap), height: gap + rows * (cellH + gap) });
  png.data.fill(bg);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  o.images.forEach((row, r) =>
    row.forEach((img, c) => {
      if (!img) return;
      const rgb = toRgb(img);
      const top = gap + r * (cellH + gap) + Math.floor((cellH - img.height * scale) / 2);
      const left = gap + c * (cellW + gap) + Math.floor((cellW - img.width * scale) / 2);
      for (let y = 0; y < img.height * scale; y++) {
        for (let x = 0; x < img.width * scale; x++) {
          const s = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 3;
          const d = ((top + y) * png.width + left + x) * 4;
          png.data[d] = rgb[s]!;
          png.data[d + 1] = rgb[s + 1]!;
          png.data[d + 2] = rgb[s + 2]!;
        }
      }
    }),
  );
  return png;
}

/**
 * Draw rows of images as one PNG. Without labels or title the PNG is built directly (no SVG); with them, the grid is
 * embedded in an SVG with the text and rasterised 1:1.
 */
export function imageGrid(o: ImageGridOptions): Figure {
  if (o.rowLabels && o.rowLabels.length !== o.images.length) {
    throw new RangeError(`imageGrid: ${o.rowLabels.length} row labels for ${o.images.length} rows`);
  }
  const grid = gridPng(o);
  const png = PNG.sync.write(grid);
  if (!o.rowLabels && o.title === undefined) return { png, width: grid.width, height: grid.height };

  const fontSize = 12;
  const gap = o.gap ?? 2;
  const rows = Math.max(1, o.images.length);
  const cellH = (grid.height - gap) / rows - gap;
  // DejaVu Sans averages about 0.62 em per character; leave room for the widest label.
  const labelW = o.rowLabels ? Math.ceil(Math.max(0, ...o.rowLabels.map((l) => l.length)) * fontSize * 0.62) + 10 : 0;
  const titleH = o.title !== undefined ? Math.round(fontSize * 2.2) : 0;
  const titleW = o.title !== undefined ? Math.ceil(o.title.length * (fontSize + 1) * 0.66) + 8 : 0;
  const width = Math.max(labelW + grid.width, titleW);
  const height = titleH + grid.height;
  const text: string[] = [];
  if (o.title !== undefined) {
    text.push(
      `<text x="4" y="${fontSize + 5}" font-family="${FONT}" font-size="${fontSize + 1}" font-weight="bold">${escapeXml(o.title)}</text>`,
    );
  }
  o.rowLabels?.forEach((label, r) => {
    const cy = titleH + gap + r * (cellH + gap) + cellH / 2 + fontSize * 0.35;
    text.push(
      `<text x="${labelW - 6}" y="${cy}" font-family="${FONT}" font-size="${fontSize}" text-anchor="end">${escapeXml(label)}</text>`,
    );
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<image x="${labelW}" y="${titleH}" width="${grid.width}" height="${grid.height}" style="image-rendering:pixelated" ` +
    `href="data:image/png;base64,${png.toString('base64')}"/>` +
    text.join('') +
    `</svg>`;
  return { svg, ...svgToPng(svg, 1) };
}
