/** Preset names of the CLI: <experiment>-<scale>. */
import { resolveAudioConfig, type AudioConfig, type AudioScale } from '../experiments/audio-config.js';

export const PRESETS = ['audio-tiny', 'audio-small', 'audio-full'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface Preset {
  name: PresetName;
  experiment: 'audio';
  scale: AudioScale;
  config(): AudioConfig;
}

/** parsePreset('audio-small') → its experiment, scale and resolved config. */
export function parsePreset(name: string): Preset {
  if (!(PRESETS as readonly string[]).includes(name))
    throw new Error(`unknown preset '${name}' (known: ${PRESETS.join(', ')})`);
  const [experiment, scale] = name.split('-') as ['audio', AudioScale];
  return { name: name as PresetName, experiment, scale, config: () => resolveAudioConfig(scale) };
}
