/** The CLI's presets, <experiment>-<scale>, resolved to configs (this loads the addon; names.ts does not). */
import { resolveAudioConfig, type AudioScale } from '../experiments/audio/config.js';
import { resolveVisionConfig, type VisionScale } from '../experiments/vision/config.js';
import { nearestName } from '../util/nearest.js';
import { PRESETS, type Experiment, type PresetName } from './names.js';

export { PRESETS, type Experiment, type PresetName };
import type { ExperimentConfig } from '../experiments/run-train.js';
export type { ExperimentConfig };

export interface Preset {
  name: PresetName;
  experiment: Experiment;
  scale: AudioScale | VisionScale;
  config(): ExperimentConfig;
}

/** parsePreset('vision-small') → its experiment, scale and resolved config ('audio-real-small': on real voices). */
export function parsePreset(name: string): Preset {
  if (!(PRESETS as readonly string[]).includes(name)) {
    const suggestion = nearestName(name, PRESETS);
    const hint = suggestion === undefined ? '' : `did you mean '${suggestion}'? `;
    throw new Error(`unknown preset '${name}' (${hint}known: ${PRESETS.join(', ')})`);
  }
  const parts = name.split('-');
  const experiment = parts[0] as Experiment;
  const scale = parts[parts.length - 1] as AudioScale | VisionScale;
  const corpus = parts.length === 3 && parts[1] === 'real' ? 'real' : 'default';
  return {
    name: name as PresetName,
    experiment,
    scale,
    // PRESETS pairs 'medium' with vision only
    config: () =>
      experiment === 'audio' ? resolveAudioConfig(scale as AudioScale, {}, corpus) : resolveVisionConfig(scale),
  };
}
