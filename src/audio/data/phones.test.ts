import { describe, expect, it } from 'vitest';
import { NUM_PHONE_CLASSES } from './librispeech-files.js';
import { PHONES, phoneClass, SILENCE_CLASS } from './phones.js';

/** Every phone flite's English voices print with -psdur: 39 CMUdict ARPAbet phones, ax and pau. */
const FLITE_PHONES =
  'aa ae ah ao aw ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th uh uw v w y z zh ax pau'.split(
    ' ',
  );

describe('phones', () => {
  it('has 41 distinct classes 0..40', () => {
    expect(PHONES).toHaveLength(41);
    expect(PHONES).toHaveLength(NUM_PHONE_CLASSES); // the class count the LibriSpeech reader checks labels against
    expect(new Set(PHONES).size).toBe(41);
    const ids = PHONES.map((p) => phoneClass(p));
    expect(ids).toEqual(Array.from({ length: 41 }, (_v, i) => i));
  });

  it('maps every flite phone to a distinct class, pau to silence', () => {
    expect(FLITE_PHONES).toHaveLength(41);
    const ids = new Set(FLITE_PHONES.map((p) => phoneClass(p)));
    expect(ids.size).toBe(41);
    expect(phoneClass('pau')).toBe(SILENCE_CLASS);
    expect(SILENCE_CLASS).toBe(0);
  });

  it('ignores stress and case; rejects unknown phones', () => {
    expect(phoneClass('AH0')).toBe(phoneClass('ah'));
    expect(phoneClass('ey1')).toBe(phoneClass('ey'));
    expect(phoneClass('sil')).toBe(SILENCE_CLASS);
    expect(() => phoneClass('axr')).toThrow(/unknown phone 'axr'/);
  });
});
