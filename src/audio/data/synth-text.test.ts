import { describe, expect, it } from 'vitest';
import { entrySentences, keepSentence, sentencesFromFortunes } from './synth-text.js';

const filter = { minWords: 4, maxWords: 20 };

describe('sentences', () => {
  it('splits entries into sentences and drops attributions and dialogue labels', () => {
    const entry = "A baby is God's opinion that the world\nshould go on.  Fetch me a child!\n\t\t-- Carl Sandburg\n";
    expect(entrySentences(entry)).toEqual([
      "A baby is God's opinion that the world should go on.",
      'Fetch me a child!',
    ]);
    expect(entrySentences('Q:\tWhat is it?\nA:\tNothing much.')).toEqual([]);
  });

  it('keeps plain prose of 4..20 words only', () => {
    expect(keepSentence('The cat sat on the mat.', filter)).toBe(true);
    expect(keepSentence('Too short.', filter)).toBe(false);
    expect(keepSentence(`${'word '.repeat(20)}end.`.replace(/^w/, 'W'), filter)).toBe(false);
    expect(keepSentence('It costs 20 dollars a day.', filter)).toBe(false); // digits
    expect(keepSentence('He said "go home" to me.', filter)).toBe(false); // quotes
    expect(keepSentence('I want this place EVACUATED now.', filter)).toBe(false); // shouting
    expect(keepSentence('The cat sat on the mat', filter)).toBe(false); // no final punctuation
    expect(keepSentence('What the hell is going on here?', filter)).toBe(false); // blocklist
    expect(keepSentence('Hello there, said the shellfish to me.', filter)).toBe(true); // not a blocklist hit
  });

  it('deduplicates in file order', () => {
    const files = [
      'One two three four.\n%\nFive six seven eight.\n%\n',
      'One two three four.\n%\nNine ten eleven twelve.\n',
    ];
    expect(sentencesFromFortunes(files, filter)).toEqual([
      'One two three four.',
      'Five six seven eight.',
      'Nine ten eleven twelve.',
    ]);
  });
});
