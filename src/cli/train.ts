/** `gim train`: one training run, audio or vision as the config's `experiment` says. */
import { ensureCorpus, openAudioData, trainAudio } from '../experiments/audio.js';
import { parseAudioConfig } from '../experiments/audio-config.js';
import { trainAudioAsync } from '../experiments/async-audio.js';
import { trainVisionAsync } from '../experiments/async-vision.js';
import type { TrainResult } from '../experiments/train-loop.js';
import { trainVision } from '../experiments/vision.js';
import { parseVisionConfig } from '../experiments/vision-config.js';
import { openVisionData, totalSteps } from '../experiments/vision-data.js';
import type { ExperimentConfig, PresetName } from './presets.js';

export interface TrainCommandArgs {
  run: string;
  resume: boolean;
}

/** Returns the process exit code: 0 finished, 130 interrupted (checkpoint saved), 1 stopped on a non-finite loss. */
export async function trainCommand(preset: PresetName, config: ExperimentConfig, a: TrainCommandArgs): Promise<number> {
  const r =
    config.experiment === 'vision' ? await trainVisionRun(preset, config, a) : await trainAudioRun(preset, config, a);
  r.stack.dispose();
  process.stderr.write(
    `${r.outcome} at step ${r.step} in ${r.seconds.toFixed(1)} s; checkpoints in ${a.run}/checkpoints\n`,
  );
  return r.outcome === 'finished' ? 0 : r.outcome === 'interrupted' ? 130 : 1;
}

async function trainAudioRun(preset: PresetName, config: unknown, a: TrainCommandArgs): Promise<TrainResult> {
  const valid = parseAudioConfig(config);
  await ensureCorpus(valid);
  const data = await openAudioData(valid, valid.train.objective === 'phone');
  const s = data.train.stats();
  process.stderr.write(
    `${preset}: ${data.train.size} training utterances, ${s.speakers} speakers, ${s.minutes.toFixed(1)} min → ${a.run}\n`,
  );
  return valid.train.mode === 'async' ? trainAudioAsync(valid, data, a) : trainAudio(valid, data, a);
}

async function trainVisionRun(preset: PresetName, config: unknown, a: TrainCommandArgs): Promise<TrainResult> {
  const valid = parseVisionConfig(config);
  const data = openVisionData(valid);
  try {
    const source = valid.train.objective === 'supervised' ? data.train : data.pretrain;
    process.stderr.write(
      `${preset}: ${source.n} ${valid.data.dataset} training images, ${totalSteps(valid, source.n)} steps of ${valid.train.batchSize} → ${a.run}\n`,
    );
    return valid.train.mode === 'async' ? await trainVisionAsync(valid, data, a) : await trainVision(valid, data, a);
  } finally {
    data.close();
  }
}
