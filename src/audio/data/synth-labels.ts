/**
 * Frame labels from flite's phone timings (`flite -psdur`): one phone class per 10 ms frame, as in LibriSpeech's
 * `converted_aligned_phones.txt`.
 */
import { phoneClass, SILENCE_CLASS } from './phones.js';

/** One phone and the time (seconds from the start of the audio) at which it ends; it starts where the previous ends. */
export interface PhoneTiming {
  phone: string;
  end: number;
}

/** Samples per second of the corpus audio. */
export const SAMPLE_RATE = 16000;
/** Samples per label frame (10 ms at 16 kHz). */
export const FRAME_SAMPLES = 160;

/**
 * Parses flite's `-psdur` output: whitespace-separated `phone:end_time` tokens. Any other text is an error, as are
 * end times that go backwards.
 */
export function parsePsdur(text: string): PhoneTiming[] {
  const out: PhoneTiming[] = [];
  let last = 0;
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const m = /^([a-z#]+[0-2]?):(\d+(?:\.\d*)?)$/i.exec(token);
    if (!m) throw new Error(`flite -psdur: cannot parse '${token}' (expected phone:end_seconds)`);
    const end = Number(m[2]);
    if (end < last) throw new Error(`flite -psdur: phone end times go backwards at '${token}'`);
    last = end;
    out.push({ phone: m[1] as string, end });
  }
  return out;
}

/**
 * Frame labels for audio of `numSamples` samples: `floor(numSamples / 160)` frames; frame i covers
 * [10i, 10i + 10) ms and gets the class of the phone whose interval [start, end) contains the frame centre
 * (10i + 5 ms). Timings beyond the audio are clipped (flite's kal16 overruns its last label by ~116 ms); frames
 * after the last phone's end, if any, are silence.
 */
export function frameLabels(timings: readonly PhoneTiming[], numSamples: number): number[] {
  const frames = Math.floor(numSamples / FRAME_SAMPLES);
  // Integer microseconds, so that the centre rule is exact (flite prints milliseconds).
  const ends = timings.map((t) => Math.round(t.end * 1e6));
  const classes = timings.map((t) => phoneClass(t.phone));
  const frameUs = (FRAME_SAMPLES / SAMPLE_RATE) * 1e6;
  const labels = new Array<number>(frames);
  let p = 0;
  for (let i = 0; i < frames; i++) {
    const centre = i * frameUs + frameUs / 2;
    while (p < ends.length && (ends[p] as number) <= centre) p++;
    labels[i] = p < classes.length ? (classes[p] as number) : SILENCE_CLASS;
  }
  return labels;
}
