/** `gim reproduce <experiment>`: the paper's tables and figures at one scale. */
import { resolveAudioConfig } from '../experiments/audio/config.js';
import { applySet, parseSet } from '../experiments/overrides.js';
import path from 'node:path';
import { REAL_RESULTS_FILE, reproduceAudio } from '../experiments/audio/reproduce.js';
import { reproduceRealSpeech } from '../experiments/audio/reproduce-real.js';
import { EARLIER_NEEDS_TRAINED_ONLY, reproduceVision, trainVisionRows } from '../experiments/vision/reproduce.js';
import { checkResultsScale, reproduceDirs } from '../experiments/results-dir.js';
import { resolveVisionConfig } from '../experiments/vision/config.js';
import { EXPERIMENTS, SCALE_TIMES, SHARED_SCALES, type Scale, type SharedScale } from './names.js';

export { EXPERIMENTS };

/** --set flags as one nested patch. */
export function patchOf<T>(sets: string[]): T {
  const patch: Record<string, unknown> = {};
  for (const s of sets) {
    const { path, value } = parseSet(s);
    let node = patch;
    for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = value;
  }
  return patch as T;
}

/** checkedPatchOf(base, sets): patchOf(sets), after checking every key against base (unknown keys are errors). */
export function checkedPatchOf<T>(base: object, sets: string[]): T {
  for (const s of sets) applySet(base, s);
  return patchOf<T>(sets);
}

export interface ReproduceCommandArgs {
  /** Results folder; default results/<experiment> for scale small, else runs/reproduce-<experiment>-<scale>/results. */
  out?: string;
  /** Vision: train only these runs (no probes, no tables); a later call without rows reuses them. */
  rows?: string[];
  /** Vision: train nothing, probe the runs already finished and write the tables without the other rows. */
  trainedOnly?: boolean;
  /** Vision, with trainedOnly: an earlier call's results.json whose rows stand in for the runs not finished here. */
  earlierResults?: string;
  log?: (line: string) => void;
}

export async function reproduceCommand(
  experiment: string,
  scale: Scale,
  sets: string[],
  args: ReproduceCommandArgs = {},
): Promise<number> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!(EXPERIMENTS as readonly string[]).includes(experiment) && experiment !== REAL_SPEECH)
    throw new Error(
      `reproduce: unknown experiment '${experiment}' (known: ${[...EXPERIMENTS, REAL_SPEECH].join(', ')})`,
    );
  if (args.rows !== undefined && experiment !== 'vision')
    throw new Error(`reproduce: --rows is for vision (its Table 1 runs); ${experiment} trains all its runs`);
  if (args.trainedOnly === true && experiment !== 'vision')
    throw new Error(`reproduce: --trained-only is for vision (its Table 1 runs); ${experiment} trains all its runs`);
  if (args.trainedOnly === true && args.rows !== undefined)
    throw new Error('reproduce: --rows trains runs and --trained-only trains none; give one of them');
  if (args.earlierResults !== undefined && args.trainedOnly !== true)
    throw new Error(`reproduce: ${EARLIER_NEEDS_TRAINED_ONLY}`);
  if (experiment === 'vision') return reproduceVisionCommand(scale, sets, args, log);
  if (!isSharedScale(scale))
    throw new Error(`reproduce: --scale ${scale} exists for vision only (${experiment}: ${SHARED_SCALES.join(', ')})`);
  if (experiment === REAL_SPEECH) return reproduceRealCommand(scale, sets, args.out, log);
  const { runsRoot, resultsDir: defaultResults } = reproduceDirs(experiment, scale);
  const resultsDir = args.out ?? defaultResults;
  const patch = checkedPatchOf<object>(resolveAudioConfig(scale), sets);
  checkResultsScale(resultsDir, scale);
  log(
    `reproduce ${experiment} --scale ${scale} (${SCALE_TIMES[scale]}): runs in ${runsRoot}, results in ${resultsDir}`,
  );
  const r = await reproduceAudio({ scale, patch, runsRoot, resultsDir, log });
  console.log(
    `${resultsDir}: table3.md, table4.md, figure4.png, results.json (${(r.seconds.total / 60).toFixed(1)} min)`,
  );
  return 0;
}

function isSharedScale(scale: Scale): scale is SharedScale {
  return (SHARED_SCALES as readonly string[]).includes(scale);
}

async function reproduceVisionCommand(
  scale: Scale,
  sets: string[],
  args: ReproduceCommandArgs,
  log: (line: string) => void,
): Promise<number> {
  const { runsRoot, resultsDir: defaultResults } = reproduceDirs('vision', scale);
  const resultsDir = args.out ?? defaultResults;
  const patch = checkedPatchOf<object>(resolveVisionConfig(scale), sets);
  if (args.rows !== undefined) {
    log(`reproduce vision --scale ${scale}: training ${args.rows.join(', ')} in ${runsRoot}`);
    const seconds = await trainVisionRows({ scale, patch, runsRoot, log }, args.rows);
    const done = Object.entries(seconds).map(([name, s]) => `${name} ${(s / 60).toFixed(1)} min`);
    console.log(
      `${runsRoot}: ${done.length > 0 ? `trained ${done.join(', ')}` : 'every run named was already finished'}; ` +
        `run without --rows to probe them and write the tables`,
    );
    return 0;
  }
  checkResultsScale(resultsDir, scale);
  log(`reproduce vision --scale ${scale} (${SCALE_TIMES[scale]}): runs in ${runsRoot}, results in ${resultsDir}`);
  const r = await reproduceVision({
    scale,
    patch,
    runsRoot,
    resultsDir,
    log,
    ...(args.trainedOnly === true ? { trainedOnly: true } : {}),
    ...(args.earlierResults === undefined ? {} : { earlierResults: args.earlierResults }),
  });
  const leftOut = r.leftOut === undefined ? '' : `; rows left out (not finished): ${r.leftOut.join(', ')}`;
  const earlier = r.earlier === undefined ? '' : `; rows of ${r.earlier.runs.join(', ')} from ${r.earlier.file}`;
  console.log(
    `${resultsDir}: table1.md, ${r.leftOut?.includes('gim') === true ? '' : 'figure2.png, '}results.json ` +
      `(${(r.seconds.total / 60).toFixed(1)} min${earlier}${leftOut})`,
  );
  return 0;
}

/** `gim reproduce real-speech`: the real-voice column of Table 3, Figure 4 on real speech, and the transfer table. */
export const REAL_SPEECH = 'real-speech';

async function reproduceRealCommand(
  scale: SharedScale,
  sets: string[],
  out: string | undefined,
  log: (line: string) => void,
): Promise<number> {
  const { runsRoot, resultsDir: defaultResults } = reproduceDirs('audio', scale);
  const resultsDir = out ?? defaultResults;
  const patch = checkedPatchOf<object>(resolveAudioConfig(scale, {}, 'real'), sets);
  log(
    `reproduce real-speech --scale ${scale} (real runs in ${path.join(runsRoot, 'real')}, synthetic GIM/CPC in ` +
      `${runsRoot}), results in ${resultsDir}`,
  );
  const r = await reproduceRealSpeech({ scale, patch, runsRoot, resultsDir, log });
  console.log(
    `${resultsDir}: real-speech.md, transfer.md, figure4-real.png, ${REAL_RESULTS_FILE} ` +
      `(${(r.seconds.total / 60).toFixed(1)} min)`,
  );
  return 0;
}
