/** `gim export`: a run's or a pack's encoder up to module k as an ONNX file (src/export/onnx.ts); prints what it wrote. */
import { openModelSource } from '../experiments/pack.js';
import { exportOnnx } from '../export/onnx.js';

const KIBIBYTE = 2 ** 10;
const MEBIBYTE = 2 ** 20;

/** A run folder (`run`) or a packed model (`from`, gim pack), as program.ts's modelSource gives them; and: */
export type ExportCommandArgs = ({ run: string } | { from: string }) & {
  /** 1-based module number as typed, or undefined for the last module. */
  module?: string;
  out: string;
  overwrite: boolean;
};

/** parseModule(text): `--module` as a 1-based module number; the error names the option. */
export function parseModule(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new Error(`--module ${text}: expected a module number, 1 for the first module`);
  }
  return Number(text);
}

/** exportCommand(args): export the run or pack, print the file, modules and size; resolves to the exit code. */
export async function exportCommand(args: ExportCommandArgs): Promise<number> {
  const module = parseModule(args.module);
  const source = await openModelSource(args);
  try {
    const r = exportOnnx({ run: source.dir, name: source.name, module, out: args.out, overwrite: args.overwrite });
    const size =
      r.bytes < MEBIBYTE ? `${(r.bytes / KIBIBYTE).toFixed(1)} KiB` : `${(r.bytes / MEBIBYTE).toFixed(1)} MiB`;
    console.log(`${r.file}: modules 1–${r.module} of ${r.modules} (checkpoint step ${r.step}), ${size}`);
    return 0;
  } finally {
    source.close();
  }
}
