/** Preset names of the CLI: <experiment>-<scale>. */
import { resolveAudioConfig, type AudioConfig, type AudioScale } from '../experiments/audio-config.js';
import { resolveVisionConfig, type VisionConfig, type VisionScale } from '../experiments/vision-config.js';

export const PRESETS = [
  'audio-tiny',
  'audio-small',
  'audio-full',
  'vision-tiny',
  'vision-small',
  'vision-full',
] as const;
export type PresetName = (typeof PRESETS)[number];
export type Experiment = 'audio' | 'vision';
export type ExperimentConfig = AudioConfig | VisionConfig;

export interface Preset {
  name: PresetName;
  experiment: Experiment;
  scale: AudioScale & VisionScale;
  config(): ExperimentConfig;
}

/** parsePreset('vision-small') → its experiment, scale and resolved config. */
export function parsePreset(name: string): Preset {
  if (!(PRESETS as readonly string[]).includes(name))
    throw new Error(`unknown preset '${name}' (known: ${PRESETS.join(', ')})`);
  const [experiment, scale] = name.split('-') as [Experiment, AudioScale & VisionScale];
  return {
    name: name as PresetName,
    experiment,
    scale,
    config: () => (experiment === 'audio' ? resolveAudioConfig(scale) : resolveVisionConfig(scale)),
  };
}
