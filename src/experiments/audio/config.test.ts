import { describe, expect, it } from 'vitest';
import { TINY_AUDIO_ENCODER } from '../../audio/model.js';
import { parseAudioConfig, resolveAudioConfig, savedAudioConfig } from './config.js';

describe('audio config', () => {
  it('small is the synthetic corpus at 128 channels, GRU 64, with the paper’s window, K and N', () => {
    const c = resolveAudioConfig('small');
    expect([c.model.channels, c.model.hidden, c.model.predictionSteps, c.model.negativeSamples]).toEqual([
      128, 64, 12, 10,
    ]);
    expect(c.data.windowSamples).toBe(20480);
  });

  it('tiny is the one tiny audio encoder of the model layer', () => {
    expect(resolveAudioConfig('tiny').model).toEqual(TINY_AUDIO_ENCODER);
  });

  it('reads a run saved before a key existed (here: device) with that key at its default', () => {
    const saved = JSON.parse(JSON.stringify(resolveAudioConfig('small'))) as Record<string, unknown>;
    delete saved.device; // as config.json was written before `device` was added
    expect(() => parseAudioConfig(saved)).toThrow(/device/);
    expect(savedAudioConfig(saved)).toEqual(resolveAudioConfig('small'));
    expect(() => savedAudioConfig({ ...saved, model: { channels: -3 } })).toThrow(/model\.channels/);
  });
});
