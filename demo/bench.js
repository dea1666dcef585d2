// onnxruntime-web (wasm) speed of an ONNX encoder, for `npm run bench:export`: ?model=<url>&shape=8,1,20480&reps=5
// &threads=2. One warm-up run, then `reps` timed runs on the same input; posts { seconds: [...] } to /bench-result.
import * as ort from '/ort/ort.min.mjs';

const params = new URLSearchParams(location.search);
const shape = params.get('shape').split(',').map(Number);
const reps = Number(params.get('reps') ?? 5);
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = Number(params.get('threads') ?? 1);

async function main() {
  const session = await ort.InferenceSession.create(params.get('model'), { executionProviders: ['wasm'] });
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i));
  const feed = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  await session.run(feed);
  const seconds = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await session.run(feed);
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, threads: ort.env.wasm.numThreads, crossOriginIsolated: self.crossOriginIsolated };
}

main()
  .catch((err) => ({ error: String(err && err.message ? err.message : err) }))
  .then(async (result) => {
    document.querySelector('#result').textContent = JSON.stringify(result);
    await fetch('/bench-result', { method: 'POST', body: JSON.stringify(result) });
  });
