/**
 * exportOnnx: a trained run's encoder up to module k as an ONNX model (opset 17, float32 weights as initializers,
 * dynamic batch and length axes, the run's config in the metadata), written atomically (its folder created); never over
 * a file unless asked.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AudioModule } from '../audio/model.js';
import type { GradientIsolatedStack } from '../gim/index.js';
import type { PatchGridModule } from '../vision/model/grid-module.js';
import { audioEncoderGraph, AUDIO_INPUT } from './audio.js';
import { encodeModel, GraphBuilder } from './graph.js';
import { loadTrainedStack } from './trained-stack.js';
import { visionEncoderGraph, VISION_INPUT } from './vision.js';
import { writeFileAtomic } from '../util/fs.js';

export interface EncoderModelArgs {
  experiment: 'audio' | 'vision';
  stack: GradientIsolatedStack;
  /** The last module exported, 1-based (module k of the paper); default the last module. */
  module?: number;
  /** Stored in the model's metadata_props: the run's config (JSON) and anything else that describes it. */
  metadata: Record<string, string>;
}

/** checkModule(module, modules, what): a 1-based module index in 1..modules; the error names `what`. */
export function checkModule(module: number | undefined, modules: number, what: string): number {
  if (module === undefined) return modules;
  if (!Number.isInteger(module) || module < 1 || module > modules) {
    throw new RangeError(`${what}: module ${module} does not exist; the run has modules 1 to ${modules}`);
  }
  return module;
}

/** encoderModel(args): the ONNX model's bytes for modules 1..k of the stack. */
export function encoderModel(args: EncoderModelArgs): Uint8Array {
  const { experiment, stack } = args;
  const module = checkModule(args.module, stack.length, 'encoderModel');
  const g = new GraphBuilder();
  if (experiment === 'audio') audioEncoderGraph(g, stack.modules as readonly AudioModule[], module - 1);
  else visionEncoderGraph(g, stack.modules as readonly PatchGridModule[], module - 1);
  const input = experiment === 'audio' ? AUDIO_INPUT : VISION_INPUT;
  const model = g.model({
    name: `gim-${experiment}-encoder-module${module}`,
    docString: `Greedy InfoMax ${experiment} encoder, modules 1 to ${module} of ${stack.length}: ${input} → features`,
    metadata: {
      ...args.metadata,
      'gim.experiment': experiment,
      'gim.module': String(module),
      'gim.modules': String(stack.length),
    },
  });
  return encodeModel(model);
}

export interface ExportOnnxArgs {
  /** The run folder (or a packed model unpacked to a folder, with `name`). */
  run: string;
  /** What errors and the model's `gim.run` metadata call the run (default the run folder): e.g. the pack file. */
  name?: string;
  /** The last module exported, 1-based; default the last module of the run. */
  module?: number;
  /** The .onnx file to write. */
  out: string;
  /** Replace `out` if it exists (default false: refuse). */
  overwrite?: boolean;
}

export interface ExportOnnxResult {
  file: string;
  module: number;
  modules: number;
  step: number;
  bytes: number;
}

/** exportOnnx(args): the run's encoder up to module k written to `out` as ONNX. */
export function exportOnnx(args: ExportOnnxArgs): ExportOnnxResult {
  const { run, out } = args;
  const name = args.name ?? run;
  if (fs.existsSync(out) && args.overwrite !== true) {
    throw new Error(`${out}: the file exists; pass --overwrite (overwrite: true) to replace it`);
  }
  const { runConfig, stack, step } = loadTrainedStack(run);
  try {
    const module = checkModule(args.module, stack.length, name);
    const bytes = encoderModel({
      experiment: runConfig.experiment,
      stack,
      module,
      metadata: {
        'gim.config': JSON.stringify(runConfig.config),
        'gim.step': String(step),
        'gim.run': path.basename(path.resolve(name)),
      },
    });
    writeFileAtomic(out, bytes);
    return { file: out, module, modules: stack.length, step, bytes: bytes.length };
  } finally {
    stack.dispose();
  }
}
