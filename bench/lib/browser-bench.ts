/**
 * onnxruntime-web (wasm) in headless Chromium: serves demo/bench.html, onnxruntime-web's dist/ and the model from
 * memory (cross-origin isolated, so the wasm backend may use threads), opens the page, and waits for the times it
 * posts back. Used by bench/export.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { openUntil } from '../../src/demo/chromium.js';
import { CONTENT_TYPES, DEMO_DIR, fileUnder, ortWebDir } from '../../src/demo/server.js';

export { hasChromium } from '../../src/demo/chromium.js';
const TIMEOUT_MS = 600_000;

export interface BrowserBenchArgs {
  model: Uint8Array;
  shape: number[];
  reps: number;
  threads: number;
}

export interface BrowserBenchResult {
  seconds: number[];
  threads: number;
  crossOriginIsolated: boolean;
}

/** browserBench(args): the page's timed runs of the model on a `shape` input, in seconds. */
export async function browserBench(args: BrowserBenchArgs): Promise<BrowserBenchResult> {
  let settle: (body: string) => void = () => undefined;
  const posted = new Promise<string>((resolve) => (settle = resolve));
  const ortDir = ortWebDir();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    if (req.method === 'POST' && url.pathname === '/bench-result') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        res.writeHead(204, headers).end();
        settle(body);
      });
      return;
    }
    if (url.pathname === '/model.onnx') {
      res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream' }).end(args.model);
      return;
    }
    const file = url.pathname.startsWith('/ort/')
      ? fileUnder(ortDir, url.pathname.slice('/ort'.length))
      : fileUnder(DEMO_DIR, url.pathname);
    if (file === null) {
      res.writeHead(404, headers).end();
      return;
    }
    const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'content-type': type }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const query = `model=/model.onnx&shape=${args.shape.join(',')}&reps=${args.reps}&threads=${args.threads}`;
  try {
    const body = await openUntil(`http://127.0.0.1:${port}/bench.html?${query}`, posted, TIMEOUT_MS);
    const result = JSON.parse(body) as BrowserBenchResult & { error?: string };
    if (result.error !== undefined) throw new Error(`onnxruntime-web in chromium: ${result.error}`);
    return result;
  } finally {
    server.close();
  }
}
