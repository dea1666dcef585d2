/** `gim train`: one training run, audio or vision as the config's `experiment` says. */
import fs from 'node:fs';
import { ensureCorpus, openAudioData, trainAudio } from '../experiments/audio/experiment.js';
import { parseAudioConfig, savedAudioConfig } from '../experiments/audio/config.js';
import { applySet } from '../experiments/overrides.js';
import { latestCheckpoint, runDir } from '../gim/run-dir.js';
import type { TrainResult } from '../gim/training/trainer.js';
import { checkRunFolder, disposeCheckpoint, newestIntactCheckpoint } from '../gim/run-folder.js';
import { moduleCheckpointDir } from '../gim/async/index.js';
import { exitCodeOf } from '../util/interrupt.js';
import { trainVision } from '../experiments/vision/experiment.js';
import { parseVisionConfig, savedVisionConfig } from '../experiments/vision/config.js';
import { openVisionData, totalSteps } from '../experiments/vision/data.js';
import type { ExperimentConfig, PresetName } from './presets.js';

export interface TrainCommandArgs {
  run: string;
  resume: boolean;
  /** Replace a run already in the folder. */
  overwrite?: boolean;
  /**
   * The explicit `key=value` changes of the command line (--set, --mode, --skip-bad), in order. On resume they are
   * applied to the config stored in the checkpoint, so that what the run was started with stays unless changed here.
   */
  sets?: readonly string[];
}

/**
 * Returns the process exit code: 0 finished; 130 (SIGINT) or 143 (SIGTERM) interrupted, checkpoint saved; 1 diverged
 * (the newest healthy checkpoint kept).
 */
export async function trainCommand(
  preset: PresetName,
  presetConfig: ExperimentConfig,
  args: TrainCommandArgs,
): Promise<number> {
  checkRunFolder({ root: args.run, resume: args.resume, overwrite: args.overwrite }); // before any data is opened or built
  const config = args.resume ? resumedConfig(presetConfig, args) : presetConfig;
  const r =
    config.experiment === 'vision'
      ? await trainVisionRun(preset, config, args)
      : await trainAudioRun(preset, config, args);
  r.stack.dispose();
  process.stderr.write(
    `${r.outcome} at step ${r.step} in ${r.seconds.toFixed(1)} s; checkpoints in ${args.run}/checkpoints\n`,
  );
  if (r.outcome === 'finished') return 0;
  return r.outcome === 'interrupted' ? exitCodeOf(r.signal ?? 'SIGINT') : 1;
}

/**
 * resumedConfig(presetConfig, a): the config stored in the run's newest intact checkpoint (an async run's module 1
 * checkpoint) with the command line's explicit changes applied; the preset's experiment must match the run's.
 */
function resumedConfig(presetConfig: ExperimentConfig, args: TrainCommandArgs): ExperimentConfig {
  const run = runDir(args.run);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const dir =
    latestCheckpoint(run) === null && fs.existsSync(moduleCheckpointDir(args.run, 0))
      ? moduleCheckpointDir(args.run, 0)
      : run.checkpoints;
  const point = newestIntactCheckpoint(dir, log);
  if (point === null) return presetConfig; // the training loop reports what is missing
  disposeCheckpoint(point.checkpoint);
  const stored = point.checkpoint.config as ExperimentConfig | null;
  if (stored === null || typeof stored !== 'object' || stored.experiment !== presetConfig.experiment) {
    throw new Error(
      `--resume: ${point.file} holds a run of experiment '${String((stored as { experiment?: unknown } | null)?.experiment)}', not '${presetConfig.experiment}'`,
    );
  }
  if (stored.name !== presetConfig.name) {
    log(
      `--resume: ${args.run} is a '${stored.name}' run and continues with the config stored in ${point.file} ` +
        `(--preset ${presetConfig.name} is not applied; change keys with --set)`,
    );
  }
  // Keys added to the config since the run was written take their defaults.
  const base = stored.experiment === 'vision' ? savedVisionConfig(stored) : savedAudioConfig(stored);
  return (args.sets ?? []).reduce<ExperimentConfig>((c, s) => applySet(c, s), base);
}

async function trainAudioRun(preset: PresetName, config: unknown, args: TrainCommandArgs): Promise<TrainResult> {
  const valid = parseAudioConfig(config);
  await ensureCorpus(valid);
  const data = await openAudioData(valid, valid.train.objective === 'phone');
  const s = data.train.stats();
  process.stderr.write(
    `${preset}: ${data.train.size} training utterances, ${s.speakers} speakers, ${s.minutes.toFixed(1)} min → ${args.run}\n`,
  );
  return trainAudio(valid, data, args);
}

async function trainVisionRun(preset: PresetName, config: unknown, args: TrainCommandArgs): Promise<TrainResult> {
  const valid = parseVisionConfig(config);
  const data = openVisionData(valid);
  try {
    const source = valid.train.objective === 'supervised' ? data.train : data.pretrain;
    process.stderr.write(
      `${preset}: ${source.n} ${valid.data.dataset} training images, ${totalSteps(valid, source.n)} steps of ${valid.train.batchSize} → ${args.run}\n`,
    );
    return await trainVision(valid, data, args);
  } finally {
    data.close();
  }
}
