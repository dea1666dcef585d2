/** `gim data speech`: the synthetic labelled speech corpus (flite voices × pitch and rate) in the LibriSpeech layout. */
import { buildSpeechCorpus, type SpeechCorpusReport } from '../../audio/data/index.js';

export type { SpeechCorpusReport };

export interface MakeSpeechCorpusArgs {
  /** Output folder; must be empty or absent. */
  out: string;
  /** Speakers, 1..48. */
  speakers: number;
  utterancesPerSpeaker: number;
  /** Seed of sentence choice, speaker assignment and the train/test split. */
  seed: number;
}

/** makeSpeechCorpus(args): build the corpus into args.out; returns what was built. */
export function makeSpeechCorpus(args: MakeSpeechCorpusArgs): Promise<SpeechCorpusReport> {
  return buildSpeechCorpus(args);
}
