/** `gim train`: one training run (src/experiments/run-train.ts); prints how it ended and returns the exit code. */
import { trainFromPreset, type TrainRunCommandArgs } from '../experiments/run-train.js';
import { exitCodeOf } from '../util/interrupt.js';
import type { ExperimentConfig, PresetName } from './presets.js';

export type TrainCommandArgs = TrainRunCommandArgs;

/**
 * Returns the process exit code: 0 finished; 130 (SIGINT) or 143 (SIGTERM) interrupted, checkpoint saved; 1 diverged
 * (the newest healthy checkpoint kept).
 */
export async function trainCommand(
  preset: PresetName,
  presetConfig: ExperimentConfig,
  args: TrainCommandArgs,
): Promise<number> {
  const result = await trainFromPreset(preset, presetConfig, args);
  result.stack.dispose();
  process.stderr.write(
    `${result.outcome} at step ${result.step} in ${result.seconds.toFixed(1)} s; checkpoints in ${args.run}/checkpoints\n`,
  );
  if (result.outcome === 'finished') return 0;
  return result.outcome === 'interrupted' ? exitCodeOf(result.signal ?? 'SIGINT') : 1;
}
