/**
 * Module factories for async training (src/gim/async): a worker builds its module from a ModuleFactorySpec — this
 * file's URL plus the name of one of its exports plus JSON arguments — so src/gim never imports a domain. To add a
 * domain, export a `(args) => GimModule[]` here and a spec helper beside it.
 */
import { buildAudioModules, type AudioEncoderConfig, type AudioObjective } from '../audio/model.js';
import type { ModuleFactorySpec } from '../gim/async/index.js';
import type { GimModule } from '../gim/index.js';
import { buildVisionModules, type VisionEncoderConfig } from '../vision/model/index.js';

/** Arguments of the audio factory: the encoder config and what the modules learn from. */
export interface AudioFactoryArgs {
  model: AudioEncoderConfig;
  objective: AudioObjective;
}

/** audioModulesFactory(args): buildAudioModules(args.model, args.objective) — every module, seeded by the caller. */
export function audioModulesFactory(args: AudioFactoryArgs): GimModule[] {
  return buildAudioModules(args.model, args.objective);
}

/** audioModuleSpec(model, objective): the spec a worker turns into the audio modules. */
export function audioModuleSpec(
  model: AudioEncoderConfig,
  objective: AudioObjective = { kind: 'infonce' },
): ModuleFactorySpec {
  const args: AudioFactoryArgs = { model, objective };
  return { module: import.meta.url, export: 'audioModulesFactory', args };
}

/** Arguments of the vision factory: the encoder config (the InfoNCE modules; supervised ones are not built here). */
export interface VisionFactoryArgs {
  model: VisionEncoderConfig;
}

/**
 * visionModulesFactory(args): buildVisionModules(args.model) — one InfoNCE module per stage (GIM) or one with the
 * PixelCNN (CPC), seeded by the caller. Their outputs are 6-D [B, gh, gw, C, h, w] patch-grid maps, which travel
 * between workers as a Float32Array and its shape like any activation.
 */
export function visionModulesFactory(args: VisionFactoryArgs): GimModule[] {
  return buildVisionModules(args.model);
}

/** visionModuleSpec(model): the spec a worker turns into the vision modules. */
export function visionModuleSpec(model: VisionEncoderConfig): ModuleFactorySpec {
  const args: VisionFactoryArgs = { model };
  return { module: import.meta.url, export: 'visionModulesFactory', args };
}
