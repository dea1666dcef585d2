/** One training run from a preset's config (what `gim train` calls), audio or vision as its `experiment` says. */
import fs from 'node:fs';
import os from 'node:os';
import { ensureCorpus, openAudioData, trainAudio } from './audio/experiment.js';
import { parseAudioConfig, savedAudioConfig } from './audio/config.js';
import { applySet } from './overrides.js';
import { latestCheckpoint, runDir } from '../gim/run-dir.js';
import type { TrainResult } from '../gim/training/trainer.js';
import { distributedRankEnv } from '../gim/distributed/rank-env.js';
import { joinWorld, type World } from '../gim/distributed/world.js';
import { checkRunFolder, disposeCheckpoint, newestIntactCheckpoint } from '../gim/run-folder.js';
import { moduleCheckpointDir } from '../gim/async/index.js';
import { trainVision } from './vision/experiment.js';
import { parseVisionConfig, savedVisionConfig, usesLabels } from './vision/config.js';
import { openVisionData, totalSteps } from './vision/data.js';
import type { AudioConfig } from './audio/config.js';
import type { VisionConfig } from './vision/config.js';

/** A config of either experiment. */
export type ExperimentConfig = AudioConfig | VisionConfig;

export interface TrainRunCommandArgs {
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

/** A run's arguments, with the world of a distributed rank. */
type RankRunArgs = TrainRunCommandArgs & { world?: World };

/**
 * trainFromPreset(presetName, presetConfig, args): the run folder checked before any data is opened or built; on
 * resume the config stored in the run (with args.sets applied); then the experiment's data opened and trained.
 */
export async function trainFromPreset(
  presetName: string,
  presetConfig: ExperimentConfig,
  args: TrainRunCommandArgs,
): Promise<TrainResult> {
  if (presetConfig.train.mode === 'distributed') return trainDistributedRank(presetName, presetConfig, args);
  checkRunFolder({ root: args.run, resume: args.resume, overwrite: args.overwrite });
  const config = args.resume ? resumedConfig(presetConfig, args) : presetConfig;
  return config.experiment === 'vision'
    ? trainVisionRun(presetName, config, args)
    : trainAudioRun(presetName, config, args);
}

/** The store key rank 0 sets once the run folder is checked and the data built ('ok', or 'error: why'). */
const PREPARED_KEY = 'gim/train/prepared';
const PREPARED_POLL_MS = 200;

/**
 * One rank of a distributed run: its variables and layout checked before anything is opened; the world joined (every
 * rank holding the same config); rank 0 checks the run folder and builds the data while the others wait; then every
 * rank opens the data and trains its stage.
 */
async function trainDistributedRank(
  presetName: string,
  presetConfig: ExperimentConfig,
  args: TrainRunCommandArgs,
): Promise<TrainResult> {
  const env = distributedRankEnv({
    stages: presetConfig.distributed.stages,
    modules: presetConfig.model.modelSplits,
  });
  const config = args.resume ? resumedConfig(presetConfig, args) : presetConfig;
  const local = Number(process.env.LOCAL_WORLD_SIZE ?? '1');
  const fits = Math.max(1, Math.floor(os.availableParallelism() / local));
  if (env.localRank === 0 && Number.isInteger(local) && config.threads > fits) {
    process.stderr.write(
      `${local} ranks × threads ${config.threads} exceed this machine's ${os.availableParallelism()} cores: ` +
        `--set threads=${fits} would not\n`,
    );
  }
  const { backend, timeoutMs } = config.distributed;
  const world = await joinWorld({ config, timeoutMs, backend });
  try {
    await preparedByRankZero(world, async () => {
      checkRunFolder({ root: args.run, resume: args.resume, overwrite: args.overwrite });
      if (config.experiment === 'audio') await ensureCorpus(parseAudioConfig(config));
    });
    const rankArgs = { ...args, world };
    return config.experiment === 'vision'
      ? await trainVisionRun(presetName, config, rankArgs)
      : await trainAudioRun(presetName, config, rankArgs);
  } finally {
    world.close();
  }
}

/** Rank 0 runs `prepare`; the others wait until it has, and fail with its error if it failed. */
async function preparedByRankZero(world: World, prepare: () => Promise<void>): Promise<void> {
  if (world.rank === 0) {
    try {
      await prepare();
    } catch (e) {
      world.store.set(PREPARED_KEY, `error: ${(e as Error).message}`);
      throw e;
    }
    world.store.set(PREPARED_KEY, 'ok');
    return;
  }
  while (!world.store.check([PREPARED_KEY])) await new Promise((r) => setTimeout(r, PREPARED_POLL_MS));
  const value = world.store.get(PREPARED_KEY);
  if (value !== 'ok') throw new Error(`rank 0 could not start the run: ${value.replace(/^error: /, '')}`);
}

/**
 * resumedConfig(presetConfig, a): the config stored in the run's newest intact checkpoint (an async run's module 1
 * checkpoint) with the command line's explicit changes applied; the preset's experiment must match the run's.
 */
function resumedConfig(presetConfig: ExperimentConfig, args: TrainRunCommandArgs): ExperimentConfig {
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

async function trainAudioRun(preset: string, config: unknown, args: RankRunArgs): Promise<TrainResult> {
  const valid = parseAudioConfig(config);
  await ensureCorpus(valid);
  const data = await openAudioData(valid, valid.train.objective === 'phone');
  const s = data.train.stats();
  process.stderr.write(
    `${preset}: ${data.train.size} training utterances, ${s.speakers} speakers, ${s.minutes.toFixed(1)} min → ${args.run}\n`,
  );
  return trainAudio(valid, data, args);
}

async function trainVisionRun(preset: string, config: unknown, args: RankRunArgs): Promise<TrainResult> {
  const valid = parseVisionConfig(config);
  const data = openVisionData(valid);
  try {
    const source = usesLabels(valid) ? data.train : data.pretrain;
    process.stderr.write(
      `${preset}: ${source.n} ${valid.data.dataset} training images, ${totalSteps(valid, source.n)} steps of ${valid.train.batchSize} → ${args.run}\n`,
    );
    return await trainVision(valid, data, args);
  } finally {
    data.close();
  }
}
