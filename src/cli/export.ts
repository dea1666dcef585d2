/** `gim export`: a trained run's encoder up to module k as an ONNX file (src/export/onnx.ts); prints what it wrote. */
import { exportOnnx } from '../export/onnx.js';

const KIBIBYTE = 2 ** 10;
const MEBIBYTE = 2 ** 20;

export interface ExportCommandArgs {
  run: string;
  /** 1-based module number as typed, or undefined for the last module. */
  module?: string;
  out: string;
  overwrite: boolean;
}

/** parseModule(text): `--module` as a 1-based module number; the error names the option. */
export function parseModule(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new Error(`--module ${text}: expected a module number, 1 for the first module`);
  }
  return Number(text);
}

/** exportCommand(args): export the run, print the file, modules and size; returns the exit code. */
export function exportCommand(args: ExportCommandArgs): number {
  const r = exportOnnx({ run: args.run, module: parseModule(args.module), out: args.out, overwrite: args.overwrite });
  const size = r.bytes < MEBIBYTE ? `${(r.bytes / KIBIBYTE).toFixed(1)} KiB` : `${(r.bytes / MEBIBYTE).toFixed(1)} MiB`;
  console.log(`${r.file}: modules 1–${r.module} of ${r.modules} (checkpoint step ${r.step}), ${size}`);
  return 0;
}
