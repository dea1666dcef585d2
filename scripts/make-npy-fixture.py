"""Write src/experiments/fixtures/features-2x3.npy: the fixture the .npy writer of `gim embed` is compared with.

numpy's own writer (np.save, format 1.0) saves a 2x3 float32 array in C order; run once with Debian's python3-numpy:
    python3 scripts/make-npy-fixture.py
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "src" / "experiments" / "fixtures" / "features-2x3.npy"
values = np.array([[0.5, -1.25, 3.0], [1e-3, 2.5e6, -0.0]], dtype="<f4")
np.save(OUT, values)
print(OUT, np.load(OUT).shape)
