#!/usr/bin/python3
"""MFCC reference fixture: an independent numpy implementation of the pipeline of src/audio/mfcc.ts.

  /usr/bin/python3 scripts/make-mfcc-fixture.py
      writes src/audio/fixtures/mfcc.json, read by src/audio/mfcc.test.ts.

Debian's python3 has numpy (no scipy, librosa, torchaudio or python_speech_features), so the pipeline is
written out here with whole-array numpy operations, independently of the TypeScript code: np.fft.rfft instead
of a hand-written FFT, an explicit [n_mels, n_fft/2+1] mel matrix, a scipy-free orthonormal DCT-II as an
explicit cosine matrix, and deltas with np.pad(mode="edge").

Signal: 0.3 s at 16 kHz (4800 samples) of a linear chirp 100 Hz -> 7000 Hz (amplitude 0.5) plus Gaussian
noise (std 0.02, seed 1234), quantised to 16-bit PCM. The JSON stores the PCM integers (sample = pcm / 32768,
exact in float32) and the expected [frames, 39] features (float64, computed from those exact samples).
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "audio", "fixtures", "mfcc.json")

SR = 16000
PRE = 0.97
WIN = 400
HOP = 160
NFFT = 512
NMELS = 40
FMIN = 0.0
FMAX = SR / 2
FLOOR = 1e-10
NCEP = 13
DW = 2


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_matrix():
    edges = mel_to_hz(np.linspace(hz_to_mel(FMIN), hz_to_mel(FMAX), NMELS + 2))
    freqs = np.arange(NFFT // 2 + 1) * SR / NFFT
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - lo) / (mid - lo)
    down = (hi - freqs[None, :]) / (hi - mid)
    return np.maximum(0.0, np.minimum(up, down))


def dct_matrix(n_in, n_out):
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    m = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    m[0] /= np.sqrt(2.0)
    return m


def deltas(x):
    t = x.shape[0]
    p = np.pad(x, ((DW, DW), (0, 0)), mode="edge")
    num = sum(n * (p[DW + n : DW + n + t] - p[DW - n : DW - n + t]) for n in range(1, DW + 1))
    return num / (2 * sum(n * n for n in range(1, DW + 1)))


def mfcc(x):
    x = np.asarray(x, dtype=np.float64)
    y = np.concatenate([x[:1], x[1:] - PRE * x[:-1]])
    frames = len(y) // HOP
    y = np.concatenate([y, np.zeros((frames - 1) * HOP + WIN - len(y))])
    idx = np.arange(frames)[:, None] * HOP + np.arange(WIN)[None, :]
    seg = y[idx] * np.hamming(WIN)[None, :]
    power = np.abs(np.fft.rfft(seg, n=NFFT, axis=1)) ** 2
    logmel = np.log(np.maximum(power @ mel_matrix().T, FLOOR))
    ceps = logmel @ dct_matrix(NMELS, NCEP).T
    d1 = deltas(ceps)
    d2 = deltas(d1)
    return np.concatenate([ceps, d1, d2], axis=1), logmel


def main():
    n = int(0.3 * SR)
    t = np.arange(n) / SR
    f0, f1, dur = 100.0, 7000.0, n / SR
    chirp = 0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur)))
    rng = np.random.default_rng(1234)
    x = chirp + 0.02 * rng.standard_normal(n)
    pcm = np.clip(np.round(x * 32768), -32768, 32767).astype(np.int64)
    samples = pcm / 32768.0
    feats, logmel = mfcc(samples)
    assert feats.shape == (n // HOP, 3 * NCEP)
    assert np.isfinite(feats).all()
    out = dict(
        description="scripts/make-mfcc-fixture.py: 0.3 s chirp 100->7000 Hz + noise, 16 kHz; samples = pcm16 / 32768",
        args=dict(
            sampleRate=SR, preEmphasis=PRE, windowLength=WIN, hopLength=HOP, nFft=NFFT, nMels=NMELS,
            fMin=FMIN, fMax=FMAX, logFloor=FLOOR, nCoefficients=NCEP, deltaOrder=2, deltaWidth=DW,
        ),
        pcm16=pcm.tolist(),
        frames=int(feats.shape[0]),
        dim=int(feats.shape[1]),
        features=[float(f"{v:.9g}") for v in feats.ravel()],
        logMelFrame10=[float(f"{v:.9g}") for v in logmel[10]],
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {OUT}: {feats.shape[0]} frames x {feats.shape[1]}, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
