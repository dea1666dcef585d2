/** Audio data readers: FLAC decoding, LibriSpeech with the CPC split/phone files, windows. */
export * from './errors.js';
export * from './flac.js';
export * from './librispeech.js';
export * from './window.js';
export * from './synth.js';
export * from './phones.js';
