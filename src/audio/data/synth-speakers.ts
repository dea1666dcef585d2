/**
 * The synthetic speakers: each is a flite voice with a pitch shift and a speaking rate, and gets a LibriSpeech-style
 * speaker id and one chapter id. The table is fixed (independent of the seed), so speaker 9001 is the same voice in
 * every corpus.
 */
import type { VoiceSpec } from './synth-tools.js';

/** flite's 16 kHz English voices: kal16 (diphone, male), awb (Scottish male), rms (US male), slt (US female). */
export const FLITE_VOICES = ['kal16', 'awb', 'rms', 'slt'] as const;

/**
 * Pitch (cents) and duration_stretch variants applied to every voice. Speaker k uses voice `k % 4` and variant
 * `floor(k / 4)`, so the first four speakers are the four plain voices and every further block of four adds one
 * variant; shifts stay within +-4.5 semitones so the voices remain natural-sounding.
 */
export const VOICE_VARIANTS: ReadonlyArray<{ pitchCents: number; durationStretch: number }> = [
  { pitchCents: 0, durationStretch: 1.0 },
  { pitchCents: -300, durationStretch: 1.1 },
  { pitchCents: 300, durationStretch: 0.9 },
  { pitchCents: -150, durationStretch: 0.95 },
  { pitchCents: 450, durationStretch: 1.05 },
  { pitchCents: 150, durationStretch: 1.2 },
  { pitchCents: -450, durationStretch: 0.85 },
  { pitchCents: -225, durationStretch: 1.25 },
  { pitchCents: 225, durationStretch: 1.15 },
  { pitchCents: 375, durationStretch: 0.95 },
  { pitchCents: -375, durationStretch: 1.0 },
  { pitchCents: 75, durationStretch: 0.88 },
];

/** The most speakers the table can make (48). */
export const MAX_SPEAKERS = FLITE_VOICES.length * VOICE_VARIANTS.length;

/** Speaker id of speaker 0; speaker k is FIRST_SPEAKER_ID + k. */
export const FIRST_SPEAKER_ID = 9001;

export interface SynthSpeaker extends VoiceSpec {
  /** LibriSpeech-style speaker id (9001, 9002, ...). */
  id: number;
  /** The speaker's one chapter id (speaker id * 10). */
  chapter: number;
}

/** Speaker k of the fixed table (0 <= k < MAX_SPEAKERS). */
export function synthSpeaker(k: number): SynthSpeaker {
  if (!Number.isInteger(k) || k < 0 || k >= MAX_SPEAKERS) {
    throw new Error(`speaker index ${k} outside 0..${MAX_SPEAKERS - 1}`);
  }
  const voice = FLITE_VOICES[k % FLITE_VOICES.length] as string;
  const variant = VOICE_VARIANTS[Math.floor(k / FLITE_VOICES.length)] as (typeof VOICE_VARIANTS)[number];
  const id = FIRST_SPEAKER_ID + k;
  return { id, chapter: id * 10, voice, ...variant };
}

/** The first `n` speakers of the table. */
export function synthSpeakers(n: number): SynthSpeaker[] {
  return Array.from({ length: n }, (_v, k) => synthSpeaker(k));
}
