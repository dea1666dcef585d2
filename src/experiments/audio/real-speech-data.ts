/** `gim data real-speech`: real recorded voices from Debian packages in the LibriSpeech layout, with progress and a summary. */
import {
  buildRealSpeechCorpus,
  CONFOUND_NOTE,
  type RealSpeechArgs,
  type RealSpeechReport,
} from '../../audio/data/real-speech.js';

export type { RealSpeechReport };

/** Progress lines at most this often (clips), plus the last. */
const PROGRESS_EVERY = 250;

/** makeRealSpeechCorpus(args, log): build (or find complete) the corpus, logging progress and a summary. */
export async function makeRealSpeechCorpus(
  args: RealSpeechArgs,
  log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): Promise<RealSpeechReport> {
  const r = await buildRealSpeechCorpus({
    ...args,
    onProgress: (p) => {
      if (p.done % PROGRESS_EVERY === 0 || p.done === p.total) log(`  ${p.done} / ${p.total} clips`);
    },
  });
  log(summariseRealSpeech(r));
  return r;
}

/** The summary `gim data real-speech` prints: voices, clips, minutes, and what was dropped. */
export function summariseRealSpeech(r: RealSpeechReport): string {
  const head = r.alreadyComplete
    ? `${r.out}: already a complete real-speech corpus with these arguments; nothing to do`
    : `${r.out}: built in ${r.seconds.toFixed(0)} s`;
  const voices = r.voices.map(
    (v) =>
      `  ${v.speaker} ${v.voice}: ${v.clips} clips (${v.train} train / ${v.test} test), ${v.minutes.toFixed(1)} min`,
  );
  const dropped = Object.entries(r.droppedVoices).map(([v, n]) => `${v} (${n})`);
  const unsupported = Object.entries(r.unsupported).map(([f, n]) => `${n} ${f}`);
  return [
    head,
    `${r.voices.length} voices, ${r.clips} clips (${r.trainClips} train / ${r.testClips} test), ${r.minutes.toFixed(1)} min`,
    ...voices,
    `duplicates dropped: ${r.duplicates}; unreadable formats skipped: ${unsupported.join(', ') || 'none'}; ` +
      `bad recordings skipped: ${r.bad.length}`,
    `voices dropped (too few clips): ${dropped.join(', ') || 'none'}`,
    CONFOUND_NOTE,
  ].join('\n');
}
