/**
 * The names the command line offers (presets, experiments, scales). Free of the libtorch addon, so `gim --help`,
 * `gim <command> --help` and `gim --version` work before the addon is built.
 */
export const PRESETS = [
  'audio-tiny',
  'audio-small',
  'audio-full',
  'audio-real-tiny',
  'audio-real-small',
  'audio-real-full',
  'vision-tiny',
  'vision-small',
  'vision-medium',
  'vision-full',
] as const;
export type PresetName = (typeof PRESETS)[number];

export const EXPERIMENTS = ['audio', 'vision'] as const;
export type Experiment = (typeof EXPERIMENTS)[number];

export const SCALES = ['tiny', 'small', 'medium', 'full'] as const;
export type Scale = (typeof SCALES)[number];
/** The scales every experiment has ('medium' is vision's only). */
export const SHARED_SCALES = ['tiny', 'small', 'full'] as const;
export type SharedScale = (typeof SHARED_SCALES)[number];

/** What each scale costs, as the help and `reproduce` say before they start. */
export const SCALE_TIMES: Record<Scale, string> = {
  tiny: 'seconds',
  small: 'about ½–1½ h on 2 CPU cores (measured times in results/)',
  medium: 'vision only: hours on 2 CPU cores (measured time in results/vision/medium/)',
  full: "the paper's settings, for a GPU",
};
