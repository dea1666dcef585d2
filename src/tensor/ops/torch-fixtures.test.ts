/**
 * Our ops against PyTorch 1.13, in float64: values and gradients of L = Σ_k sum(out_k ⊙ R_k) for every input and
 * parameter, from the JSON fixtures written by `npm run fixtures` (scripts/make-fixtures.py). No Python runs here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  add,
  conv1d,
  conv2d,
  crossEntropy,
  gru,
  gruCell,
  logSoftmax,
  mul,
  sum,
  tensor,
  tidy,
  type GruLayerWeights,
  type Reduction,
  type Tensor,
} from '../index.js';

interface TensorJson {
  shape: number[];
  data: number[];
  dtype?: 'int64';
}
interface Case {
  name: string;
  args: Record<string, unknown>;
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  R: Record<string, TensorJson>;
  grads: Record<string, TensorJson>;
}
interface Fixture {
  op: string;
  torch: string;
  cases: Case[];
}

const TOL = 1e-10;
const load = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
const toTensor = (j: TensorJson, grad = false): Tensor =>
  tensor(j.data, j.shape, { dtype: j.dtype ?? 'float64', requiresGrad: grad && j.dtype === undefined });

/** Largest |got − want| / max(1, |want|) seen per fixture file, printed at the end. */
const maxErr = new Map<string, number>();

/** Throws unless got matches want in shape and within TOL relative-ish; returns the max scaled error. */
function compare(label: string, got: Tensor, want: TensorJson): number {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  expect(got.dtype, `${label}: dtype`).toBe('float64');
  const g = got.toArray();
  let worst = 0;
  for (let k = 0; k < want.data.length; k++) {
    const e = want.data[k]!;
    const err = Math.abs(g[k]! - e) / Math.max(1, Math.abs(e));
    if (!(err <= TOL)) throw new Error(`${label}[${k}]: ours ${g[k]} vs torch ${e} (scaled error ${err} > ${TOL})`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** Build leaves from c.inputs, run `run`, compare outputs, backprop Σ out ⊙ R and compare every gradient. */
function check(file: string, c: Case, run: (ins: Record<string, Tensor>) => Record<string, Tensor>): void {
  tidy(() => {
    const ins = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, toTensor(v, true)]));
    const outs = run(ins);
    expect(Object.keys(outs).sort()).toEqual(Object.keys(c.outputs).sort());
    let worst = 0;
    let loss: Tensor | null = null;
    for (const [k, want] of Object.entries(c.outputs)) {
      worst = Math.max(worst, compare(`${c.name} output ${k}`, outs[k]!, want));
      const term = sum(mul(outs[k]!, toTensor(c.R[k]!)));
      loss = loss === null ? term : add(loss, term);
    }
    loss!.backward();
    expect(Object.keys(c.grads).length).toBeGreaterThan(0);
    for (const [k, want] of Object.entries(c.grads)) {
      const g = ins[k]!.grad;
      expect(g, `${c.name}: no gradient reached ${k}`).not.toBeNull();
      worst = Math.max(worst, compare(`${c.name} grad ${k}`, g!, want));
    }
    maxErr.set(file, Math.max(maxErr.get(file) ?? 0, worst));
  });
}

function suite(file: string, run: (ins: Record<string, Tensor>, c: Case) => Record<string, Tensor>): void {
  const fx = load(file);
  describe(`${file} vs torch ${fx.torch}`, () => {
    it('has cases', () => expect(fx.cases.length).toBeGreaterThan(0));
    for (const c of fx.cases) it(c.name, () => check(file, c, (ins) => run(ins, c)));
  });
}

const num = (c: Case, k: string): number => c.args[k] as number;
const convArgs = (c: Case) => ({
  stride: num(c, 'stride'),
  padding: num(c, 'padding'),
  dilation: num(c, 'dilation'),
  groups: num(c, 'groups'),
});

suite('conv1d', (i, c) => ({ out: conv1d(i.x!, i.weight!, i.bias!, convArgs(c)) }));
suite('conv2d', (i, c) => ({ out: conv2d(i.x!, i.weight!, i.bias!, convArgs(c)) }));

suite('gru', (i, c) => {
  const layers: GruLayerWeights[] = [];
  for (let l = 0; l < num(c, 'numLayers'); l++) {
    layers.push({
      wIh: i[`weight_ih_l${l}`]!,
      wHh: i[`weight_hh_l${l}`]!,
      bIh: c.args.bias ? i[`bias_ih_l${l}`]! : null,
      bHh: c.args.bias ? i[`bias_hh_l${l}`]! : null,
    });
  }
  const [output, hN] = gru(i.x!, i.h0!, layers, { batchFirst: c.args.batchFirst as boolean });
  return { output, h_n: hN };
});

suite('gru_cell', (i) => ({
  h: gruCell(i.x!, i.h!, { wIh: i.weight_ih!, wHh: i.weight_hh!, bIh: i.bias_ih!, bHh: i.bias_hh! }),
}));

suite('log_softmax', (i, c) => ({ out: logSoftmax(i.x!, num(c, 'dim')) }));

suite('cross_entropy', (i, c) => {
  const w = c.args.weight as TensorJson | undefined;
  const args = {
    reduction: c.args.reduction as Reduction,
    ...(c.args.ignoreIndex === undefined ? {} : { ignoreIndex: num(c, 'ignoreIndex') }),
    ...(w === undefined ? {} : { weight: toTensor(w) }),
  };
  return { out: crossEntropy(i.logits!, i.target!, args) };
});

afterAll(() => {
  const lines = [...maxErr].map(([k, v]) => `  ${k}: ${v.toExponential(2)}`);
  console.log(`max scaled error vs torch (|ours − torch| / max(1, |torch|)):\n${lines.join('\n')}`);
});
