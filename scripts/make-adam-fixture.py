#!/usr/bin/python3
"""Adam reference fixture: torch.optim.Adam trajectories on small parameters with given gradients.

  /usr/bin/python3 scripts/make-adam-fixture.py
      writes src/nn/fixtures/adam.json, read by src/nn/adam.test.ts.

Each case has float64 initial values, per-step gradients and hyperparameters; the parameter is a
float32 (or float64) torch tensor, p.grad is set to the step's gradient, and opt.step() is run.
The values after every step are recorded (as float64 numbers; float32 values are exact in float64).
Uses Debian's python3-torch; foreach=False so the single-tensor code path (the same arithmetic
as native/src/adam.cc) is used.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "nn", "fixtures", "adam.json")

CASES = [
    dict(name="defaults-f32", dtype="float32", shape=[2, 3], steps=5, lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0),
    dict(name="hyper-wd-f32", dtype="float32", shape=[4], steps=6, lr=0.05, betas=[0.8, 0.99], eps=1e-6, weight_decay=0.1),
    dict(name="hyper-wd-f64", dtype="float64", shape=[3, 2], steps=4, lr=0.01, betas=[0.85, 0.995], eps=1e-7, weight_decay=0.02),
]


def run(case, gen):
    dtype = getattr(torch, case["dtype"])
    p0 = torch.randn(case["shape"], generator=gen, dtype=torch.float64).to(dtype)
    grads = [torch.randn(case["shape"], generator=gen, dtype=torch.float64).to(dtype) for _ in range(case["steps"])]
    p = torch.nn.Parameter(p0.clone())
    opt = torch.optim.Adam(
        [p], lr=case["lr"], betas=tuple(case["betas"]), eps=case["eps"], weight_decay=case["weight_decay"], foreach=False
    )
    after = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        after.append(p.detach().double().flatten().tolist())
    st = opt.state[p]
    return dict(
        case,
        init=p0.double().flatten().tolist(),
        grads=[g.double().flatten().tolist() for g in grads],
        after=after,
        final_exp_avg=st["exp_avg"].double().flatten().tolist(),
        final_exp_avg_sq=st["exp_avg_sq"].double().flatten().tolist(),
    )


def main():
    gen = torch.Generator().manual_seed(20190521)
    fixture = dict(torch_version=torch.__version__, cases=[run(c, gen) for c in CASES])
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({len(CASES)} cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
