import { describe, expect, it } from 'vitest';
import { phoneClass, SILENCE_CLASS } from './phones.js';
import { frameLabels, parsePsdur } from './synth-labels.js';

describe('parsePsdur', () => {
  it('parses phone:end tokens', () => {
    expect(parsePsdur('pau:0.119 hh:0.212 ax:0.261 \n')).toEqual([
      { phone: 'pau', end: 0.119 },
      { phone: 'hh', end: 0.212 },
      { phone: 'ax', end: 0.261 },
    ]);
    expect(parsePsdur('')).toEqual([]);
  });

  it('rejects junk and times that go backwards', () => {
    expect(() => parsePsdur('pau:0.1 hello')).toThrow(/cannot parse 'hello'/);
    expect(() => parsePsdur('pau:0.2 hh:0.1')).toThrow(/backwards/);
  });
});

describe('frameLabels', () => {
  const [pau, hh, ax, l] = ['pau', 'hh', 'ax', 'l'].map((p) => phoneClass(p)) as [number, number, number, number];

  it('labels each 10 ms frame by the phone containing its centre', () => {
    // pau [0, 12) ms, hh [12, 25), ax [25, 35), l [35, 60) ms.
    const timings = [
      { phone: 'pau', end: 0.012 },
      { phone: 'hh', end: 0.025 },
      { phone: 'ax', end: 0.035 },
      { phone: 'l', end: 0.06 },
    ];
    // Frame centres 5, 15, 25, 35, 45, 55 ms: 25 and 35 fall on boundaries and belong to the phone starting there.
    expect(frameLabels(timings, 960)).toEqual([pau, hh, ax, l, l, l]);
  });

  it('makes floor(samples / 160) frames and clips timings that overrun the audio', () => {
    const timings = [
      { phone: 'hh', end: 0.02 },
      { phone: 'pau', end: 0.2 }, // overruns 45 ms of audio, as kal16's last label does
    ];
    const labels = frameLabels(timings, 45 * 16 + 100); // 45 ms + 100 samples -> floor(820 / 160) = 5 frames
    expect(labels).toEqual([hh, hh, pau, pau, pau]);
    expect(frameLabels(timings, 159)).toEqual([]);
  });

  it('labels frames past the last phone as silence', () => {
    expect(frameLabels([{ phone: 'ax', end: 0.01 }], 480)).toEqual([ax, SILENCE_CLASS, SILENCE_CLASS]);
  });
});
