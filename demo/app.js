// The demo page: an exported Greedy InfoMax encoder (encoder.onnx) run by onnxruntime-web (wasm). Vision: a dropped,
// chosen or drawn image is prepared as `gim eval` prepares test images and pooled over the patch grid; audio: a dropped
// or recorded clip is decoded at the run's sample rate, normalised as the run's reader does, cut into the run's windows
// (the last zero-padded) and pooled over all their frames, as `gim embed` does. The query is compared by cosine
// similarity with the gallery (gallery.json: `gim embed`'s rows, with labels), and placed on its 2-D PCA map.
// Query parameters: ?probe=<image or clip url> embeds it on load; ?bench=<n> times n batches of 8 images (vision);
// ?report posts the result to /report.
import * as ort from '/ort/ort.wasm.min.mjs';

ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;

const NEIGHBOURS = 5;
const PCA_ITERATIONS = 200;
const BENCH_BATCH = 8;
const RECORD_MS = 3000;
const WAVE_WIDTH = 280;
const WAVE_HEIGHT = 80;
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const $ = (selector) => document.querySelector(selector);
/** Text (a label or file name from the gallery's folders) safe inside HTML and its attributes. */
const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** Unit-length copy of v. */
function normalised(v) {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** features [1, C, gh, gw] → the mean over the grid, [C]. */
function poolGrid(tensor) {
  const [, channels, gh, gw] = tensor.dims;
  const cells = gh * gw;
  const out = new Array(channels).fill(0);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < cells; i++) out[c] += tensor.data[c * cells + i];
    out[c] /= cells;
  }
  return out;
}

/** features [N, T, D] (N windows) → the mean over all N·T frames, [D]. */
function poolTime(tensor) {
  const [windows, frames, width] = tensor.dims;
  const total = windows * frames;
  const out = new Array(width).fill(0);
  for (let t = 0; t < total; t++) for (let d = 0; d < width; d++) out[d] += tensor.data[t * width + d] / total;
  return out;
}

/** Encoded audio (any format the browser decodes) → mono samples at the run's rate. */
async function decodeAudio(bytes, spec) {
  const context = new OfflineAudioContext(1, 1, spec.sampleRate);
  const buffer = await context.decodeAudioData(bytes);
  return buffer.getChannelData(0);
}

/** Samples → the encoder's input [N, 1, W]: normalised as the run's reader, in windows of W, the last zero-padded. */
function prepareAudio(samples, spec) {
  const windows = Math.max(1, Math.ceil(samples.length / spec.windowSamples));
  const out = new Float32Array(windows * spec.windowSamples);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] - spec.mean) / spec.std;
  return { data: out, shape: [windows, 1, spec.windowSamples] };
}

function drawWave(canvas, samples) {
  canvas.width = WAVE_WIDTH;
  canvas.height = WAVE_HEIGHT;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, WAVE_WIDTH, WAVE_HEIGHT);
  context.strokeStyle = '#1f77b4';
  context.beginPath();
  const step = samples.length / WAVE_WIDTH;
  for (let x = 0; x < WAVE_WIDTH; x++) {
    const v = samples[Math.floor(x * step)] ?? 0;
    context.lineTo(x, WAVE_HEIGHT / 2 - v * (WAVE_HEIGHT / 2));
  }
  context.stroke();
}

/** An image source → the encoder's input [C, crop, crop]: gray or RGB in [0, 1], padded, centre-cropped, normalised. */
function prepare(source, spec) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = spec.side;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(source, 0, 0, spec.side, spec.side);
  const rgba = context.getImageData(0, 0, spec.side, spec.side).data;
  const padded = spec.padTo > 0 ? spec.padTo : spec.side;
  const offset = Math.floor((padded - spec.side) / 2);
  const cropAt = Math.floor((padded - spec.crop) / 2);
  const out = new Float32Array(spec.channels * spec.crop * spec.crop);
  for (let c = 0; c < spec.channels; c++) {
    for (let y = 0; y < spec.crop; y++) {
      for (let x = 0; x < spec.crop; x++) {
        const sy = y + cropAt - offset;
        const sx = x + cropAt - offset;
        let value = 0;
        if (sy >= 0 && sy < spec.side && sx >= 0 && sx < spec.side) {
          const p = (sy * spec.side + sx) * 4;
          value =
            spec.channels === 1
              ? (0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]) / 255
              : rgba[p + c] / 255;
        }
        out[(c * spec.crop + y) * spec.crop + x] = (value - spec.mean[c]) / spec.std[c];
      }
    }
  }
  return out;
}

/** The top two principal directions of the rows of X (centred), by power iteration with deflation. */
function pca2(rows) {
  const dims = rows[0].length;
  const centre = new Array(dims).fill(0);
  for (const r of rows) for (let d = 0; d < dims; d++) centre[d] += r[d] / rows.length;
  const X = rows.map((r) => r.map((x, d) => x - centre[d]));
  const components = [];
  for (let k = 0; k < 2; k++) {
    let v = Array.from({ length: dims }, (_, d) => Math.sin(d + 1 + k));
    for (let it = 0; it < PCA_ITERATIONS; it++) {
      const scores = X.map((r) => r.reduce((s, x, d) => s + x * v[d], 0));
      const next = new Array(dims).fill(0);
      X.forEach((r, i) => r.forEach((x, d) => (next[d] += x * scores[i])));
      for (const u of components) {
        const dot = next.reduce((s, x, d) => s + x * u[d], 0);
        for (let d = 0; d < dims; d++) next[d] -= dot * u[d];
      }
      v = normalised(next);
    }
    components.push(v);
  }
  return { centre, project: (r) => components.map((u) => r.reduce((s, x, d) => s + (x - centre[d]) * u[d], 0)) };
}

/** A gallery item's thumbnail as a data URL. */
function thumbnail(item, side) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = side;
  const context = canvas.getContext('2d');
  const image = context.createImageData(side, side);
  item.pixels.forEach((v, i) => image.data.set([v, v, v, 255], i * 4));
  context.putImageData(image, 0, 0);
  return canvas.toDataURL();
}

function drawMap(svg, points, labels, itemLabels, query) {
  const all = query ? [...points, query] : points;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => 30 + ((x - x0) / (x1 - x0 || 1)) * 460;
  const sy = (y) => 490 - ((y - y0) / (y1 - y0 || 1)) * 460;
  const dots = points.map(
    (p, i) =>
      `<circle cx="${sx(p[0])}" cy="${sy(p[1])}" r="4" fill="${PALETTE[itemLabels[i] % PALETTE.length]}"><title>${escapeHtml(labels[itemLabels[i]])}</title></circle>`,
  );
  const legend = labels.map(
    (name, l) =>
      `<circle cx="510" cy="${30 + l * 20}" r="5" fill="${PALETTE[l % PALETTE.length]}"/><text x="520" y="${34 + l * 20}">${escapeHtml(name)}</text>`,
  );
  const star = query
    ? `<text id="query-point" x="${sx(query[0])}" y="${sy(query[1])}" font-size="22" text-anchor="middle" dominant-baseline="middle">★</text>`
    : '';
  svg.innerHTML = [...dots, ...legend, star].join('');
}

async function main() {
  const [gallery, session] = await Promise.all([
    fetch('gallery.json').then((r) => r.json()),
    ort.InferenceSession.create('encoder.onnx', { executionProviders: ['wasm'] }),
  ]);
  const spec = gallery.input;
  const audio = spec.kind === 'audio';
  const vectors = gallery.items.map((item) => normalised(item.vector));
  const itemLabels = gallery.items.map((item) => item.label);
  const map = pca2(gallery.items.map((item) => item.vector));
  const points = gallery.items.map((item) => map.project(item.vector));
  drawMap($('#map'), points, gallery.labels, itemLabels, null);
  $('#status').textContent =
    `module ${gallery.module} of a Greedy InfoMax ${gallery.experiment} encoder; gallery of ${gallery.items.length} ${audio ? 'clips' : 'images'} embedded by gim embed`;
  if (audio) {
    $('#drop').firstChild.textContent = 'drop a clip (WAV, FLAC, Ogg, MP3) here, or ';
    $('#file').accept = 'audio/*';
    $('#draw').hidden = true;
    $('#pad').hidden = true;
    $('#record').hidden = false;
  }
  document.body.dataset.state = 'ready';

  /** Embed a query (an image source, or audio samples), list its neighbours, place it on the map. */
  async function embed(source) {
    const { data, shape } = audio
      ? prepareAudio(source, spec)
      : { data: prepare(source, spec), shape: [1, spec.channels, spec.crop, spec.crop] };
    const t0 = performance.now();
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, shape) });
    const ms = performance.now() - t0;
    const features = out[session.outputNames[0]];
    const vector = audio ? poolTime(features) : poolGrid(features);
    const query = normalised(vector);
    const ranked = vectors
      .map((v, i) => ({ i, similarity: v.reduce((s, x, d) => s + x * query[d], 0) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, NEIGHBOURS);
    $('#neighbours').innerHTML = ranked
      .map(({ i, similarity }) => {
        const item = gallery.items[i];
        const label = gallery.labels[item.label];
        const preview = audio
          ? `<audio controls src="gallery/${i}.wav"></audio>`
          : `<img src="${thumbnail(item, spec.side)}" alt=""/>`;
        return `<li data-label="${escapeHtml(label)}" data-index="${item.index}">${preview}${escapeHtml(label)} <span class="muted">cos ${similarity.toFixed(4)} · ${escapeHtml(item.name)}</span></li>`;
      })
      .join('');
    const shown = $('#query');
    if (audio) {
      drawWave(shown, source);
    } else {
      shown.width = shown.height = spec.side;
      shown.getContext('2d').drawImage(source, 0, 0, spec.side, spec.side);
    }
    $('#timing').textContent = `encoded in ${ms.toFixed(1)} ms (onnxruntime-web, wasm)`;
    drawMap($('#map'), points, gallery.labels, itemLabels, map.project(vector));
    $('#query-vector').textContent = JSON.stringify(vector);
    document.body.dataset.top = gallery.labels[gallery.items[ranked[0].i].label];
    document.body.dataset.state = 'done';
    await report({ state: 'done', vector, neighbours: ranked.map(({ i }) => gallery.items[i].index) });
  }

  const loadImage = (url) =>
    new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => reject(new Error(`cannot load the image ${url}`));
      image.src = url;
    });
  const embedFile = async (file) =>
    embed(audio ? await decodeAudio(await file.arrayBuffer(), spec) : await loadImage(URL.createObjectURL(file)));
  const embedUrl = async (url) =>
    embed(audio ? await decodeAudio(await (await fetch(url)).arrayBuffer(), spec) : await loadImage(url));

  $('#record').addEventListener('click', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const recorder = new MediaRecorder(stream);
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      new Blob(chunks)
        .arrayBuffer()
        .then((bytes) => decodeAudio(bytes, spec))
        .then(embed)
        .catch(showError);
    };
    recorder.start();
    $('#timing').textContent = `recording ${RECORD_MS / 1000} s…`;
    setTimeout(() => recorder.stop(), RECORD_MS);
  });

  const drop = $('#drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) embedFile(e.dataTransfer.files[0]).catch(showError);
  });
  $('#file').addEventListener('change', (e) => e.target.files[0] && embedFile(e.target.files[0]).catch(showError));

  const pad = $('#pad');
  const pen = pad.getContext('2d');
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, pad.width, pad.height);
  let drawing = false;
  pad.addEventListener('pointerdown', () => (drawing = true));
  window.addEventListener('pointerup', () => (drawing = false));
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    pen.fillStyle = '#fff';
    pen.beginPath();
    pen.arc(e.offsetX, e.offsetY, 7, 0, 2 * Math.PI);
    pen.fill();
  });
  $('#clear').addEventListener('click', () => {
    pen.fillStyle = '#000';
    pen.fillRect(0, 0, pad.width, pad.height);
  });
  $('#embed-drawing').addEventListener('click', () => embed(pad).catch(showError));

  const params = new URLSearchParams(location.search);
  const bench = Number(params.get('bench') ?? 0);
  if (bench > 0 && !audio) await benchmark(session, spec, bench);
  if (params.has('probe')) await embedUrl(params.get('probe'));
}

/** ?bench=n: n batches of 8 random images, features/s (images per second) after one warm-up batch. */
async function benchmark(session, spec, batches) {
  const shape = [BENCH_BATCH, spec.channels, spec.crop, spec.crop];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i));
  const feed = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  await session.run(feed);
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) await session.run(feed);
  const perSecond = (batches * BENCH_BATCH) / ((performance.now() - t0) / 1000);
  $('#bench').textContent = `onnxruntime-web (wasm, 1 thread): ${perSecond.toFixed(1)} features/s`;
  document.body.dataset.bench = perSecond.toFixed(2);
}

function showError(err) {
  $('#status').textContent = `error: ${err.message}`;
  document.body.dataset.state = 'error';
  report({ state: 'error', message: err.message });
}

/** ?report: post what the page shows to /report (for tests that drive the page in a browser). */
async function report(result) {
  if (new URLSearchParams(location.search).has('report')) {
    await fetch('/report', { method: 'POST', body: JSON.stringify(result) });
  }
}

main().catch(showError);
