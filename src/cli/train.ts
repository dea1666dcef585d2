/** `gim train`: one training run. */
import { ensureCorpus, openAudioData, trainAudio } from '../experiments/audio.js';
import { parseAudioConfig, type AudioConfig } from '../experiments/audio-config.js';
import type { PresetName } from './presets.js';

export interface TrainCommandArgs {
  run: string;
  resume: boolean;
}

/** Returns the process exit code: 0 finished, 130 interrupted (checkpoint saved), 1 stopped on a non-finite loss. */
export async function trainCommand(preset: PresetName, config: AudioConfig, a: TrainCommandArgs): Promise<number> {
  const valid = parseAudioConfig(config);
  await ensureCorpus(valid);
  const data = await openAudioData(valid, valid.train.objective === 'phone');
  const s = data.train.stats();
  process.stderr.write(
    `${preset}: ${data.train.size} training utterances, ${s.speakers} speakers, ${s.minutes.toFixed(1)} min → ${a.run}\n`,
  );
  const r = await trainAudio(valid, data, a);
  r.stack.dispose();
  process.stderr.write(
    `${r.outcome} at step ${r.step} in ${r.seconds.toFixed(1)} s; checkpoints in ${a.run}/checkpoints\n`,
  );
  return r.outcome === 'finished' ? 0 : r.outcome === 'interrupted' ? 130 : 1;
}
