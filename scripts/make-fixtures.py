#!/usr/bin/python3
"""PyTorch reference fixtures for the op wrappers in src/tensor/ops (read by src/tensor/ops/torch-fixtures.test.ts).

Run:  npm run fixtures        (= /usr/bin/python3 scripts/make-fixtures.py)
Uses Debian's python3-torch (1.13) at /usr/bin/python3, not any other python3 on PATH. The test run itself needs no
Python: the JSON files it writes are committed.

Writes src/tensor/ops/fixtures/{conv1d,conv2d,gru,gru_cell,log_softmax,cross_entropy}.json. Each file is
  {"op": NAME, "torch": VERSION, "seed": SEED, "cases": [CASE, ...]}
and each CASE is
  {"name": str, "args": {...},                      # the op's options, in our TypeScript names
   "inputs":  {NAME: TENSOR, ...},                  # every input and parameter (float64, or int64 targets)
   "outputs": {NAME: TENSOR, ...},                  # the op's results
   "R":       {NAME: TENSOR, ...},                  # one fixed random tensor per output
   "grads":   {NAME: TENSOR, ...}}                  # d/d input of L = sum_k sum(outputs[k] * R[k]), float inputs only
with TENSOR = {"shape": [...], "data": [...flat, row-major...]} ("dtype": "int64" on integer tensors).

Everything is float64 and seeded (torch.manual_seed(SEED) once per file, single-threaded), so reruns write the same
bytes. Inputs are rounded to 4 decimals before use, so their JSON text is short and parses to the exact doubles torch
saw; outputs and gradients are written with Python's shortest round-trip repr (exact in JS's JSON.parse).
"""
import json
import os

import torch
import torch.nn.functional as F

SEED = 20190
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "tensor", "ops", "fixtures")
DT = torch.float64


def rnd(*shape):
    """A float64 leaf with N(0,1) values rounded to 4 decimals (short, exact in JSON)."""
    return torch.round(torch.randn(*shape, dtype=DT) * 1e4).div(1e4).requires_grad_(True)


def enc(t):
    t = t.detach().contiguous()
    d = {"shape": list(t.shape), "data": t.reshape(-1).tolist()}
    if t.dtype == torch.int64:
        d["dtype"] = "int64"
    else:
        assert t.dtype == DT, t.dtype
    return d


def case(name, args, inputs, fn):
    """Run fn(**inputs) -> {name: tensor}; draw one R per output; backprop L = sum(out * R) to every float input."""
    outputs = fn(**inputs)
    R = {k: torch.round(torch.randn(v.shape, dtype=DT) * 1e4).div(1e4) for k, v in outputs.items()}
    loss = sum((outputs[k] * R[k]).sum() for k in outputs)
    floats = {k: v for k, v in inputs.items() if v.dtype == DT}
    grads = torch.autograd.grad(loss, list(floats.values()))
    return {
        "name": name,
        "args": args,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {k: enc(v) for k, v in outputs.items()},
        "R": {k: enc(v) for k, v in R.items()},
        "grads": {k: enc(g) for k, g in zip(floats.keys(), grads)},
    }


def conv1d_cases():
    out = []
    for groups in (1, 2):
        x, w, b = rnd(2, 4, 9), rnd(4, 4 // groups, 3), rnd(4)
        args = {"stride": 2, "padding": 1, "dilation": 1, "groups": groups}
        fn = lambda x, weight, bias, a=args: {"out": F.conv1d(x, weight, bias, a["stride"], a["padding"], 1, a["groups"])}
        out.append(case(f"stride2_pad1_groups{groups}", args, {"x": x, "weight": w, "bias": b}, fn))
    # dilation 2, no stride, 2 output channels per group: catches a dilation / group-layout mix-up.
    x, w, b = rnd(2, 4, 9), rnd(4, 2, 2), rnd(4)
    args = {"stride": 1, "padding": 2, "dilation": 2, "groups": 2}
    fn = lambda x, weight, bias: {"out": F.conv1d(x, weight, bias, 1, 2, 2, 2)}
    out.append(case("dilation2_pad2_groups2", args, {"x": x, "weight": w, "bias": b}, fn))
    return out


def conv2d_cases():
    out = []
    for groups in (1, 2):
        # Non-square input and kernel so a swapped H/W shows up.
        x, w, b = rnd(2, 4, 5, 6), rnd(4, 4 // groups, 3, 2), rnd(4)
        args = {"stride": 2, "padding": 1, "dilation": 1, "groups": groups}
        fn = lambda x, weight, bias, a=args: {"out": F.conv2d(x, weight, bias, a["stride"], a["padding"], 1, a["groups"])}
        out.append(case(f"stride2_pad1_groups{groups}", args, {"x": x, "weight": w, "bias": b}, fn))
    return out


def gru_params(mod):
    return {name: p for name, p in mod.named_parameters()}


def gru_cases():
    out = []
    specs = [(True, 2, True), (False, 2, True), (False, 1, False)]  # (batch_first, layers, bias)
    for batch_first, layers, bias in specs:
        B, T, IN, H = 2, 5, 3, 4
        mod = torch.nn.GRU(IN, H, num_layers=layers, bias=bias, batch_first=batch_first).double()
        with torch.no_grad():
            for p in mod.parameters():
                p.copy_(torch.round(torch.randn(p.shape, dtype=DT) * 0.5e4).div(1e4))
        x = rnd(B, T, IN) if batch_first else rnd(T, B, IN)
        h0 = rnd(layers, B, H)
        params = gru_params(mod)

        def fn(x, h0, mod=mod, **_):
            output, h_n = mod(x, h0)
            return {"output": output, "h_n": h_n}

        args = {"batchFirst": batch_first, "numLayers": layers, "bias": bias, "hidden": H}
        name = f"layers{layers}_{'batch_first' if batch_first else 'time_first'}{'' if bias else '_nobias'}"
        out.append(case(name, args, {"x": x, "h0": h0, **params}, fn))
    return out


def gru_cell_cases():
    B, IN, H = 3, 3, 4
    cell = torch.nn.GRUCell(IN, H).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.round(torch.randn(p.shape, dtype=DT) * 0.5e4).div(1e4))
    x, h = rnd(B, IN), rnd(B, H)
    fn = lambda x, h, **_: {"h": cell(x, h)}
    return [case("basic", {"hidden": H}, {"x": x, "h": h, **gru_params(cell)}, fn)]


def log_softmax_cases():
    out = []
    for dim in (1, -1):
        x = rnd(2, 4, 9)
        with torch.no_grad():
            x[0, 0, 0] += 30.0  # a large logit: exercises the max-shift
        out.append(case(f"dim{dim}", {"dim": dim}, {"x": x}, lambda x, d=dim: {"out": F.log_softmax(x, d)}))
    return out


def cross_entropy_cases():
    out = []
    logits = rnd(5, 4)
    target = torch.tensor([0, 3, 1, 3, 2])
    for red in ("mean", "sum", "none"):
        fn = lambda logits, target, r=red: {"out": F.cross_entropy(logits, target, reduction=r)}
        out.append(case(f"2d_{red}", {"reduction": red}, {"logits": logits, "target": target}, fn))
    # [N, C, T] logits with [N, T] targets (as the InfoNCE loss uses), some ignored, with class weights.
    logits3 = rnd(2, 4, 6)
    target3 = torch.randint(0, 4, (2, 6))
    target3[0, 2] = -100
    target3[1, 5] = -100
    weight = torch.round(torch.rand(4, dtype=DT) * 1e4).div(1e4).add(0.5).requires_grad_(False)
    for red in ("mean", "none"):
        fn = lambda logits, target, r=red: {"out": F.cross_entropy(logits, target, weight=weight, reduction=r)}
        c = case(f"3d_weighted_ignore_{red}", {"reduction": red, "ignoreIndex": -100, "weight": enc(weight)},
                 {"logits": logits3, "target": target3}, fn)
        out.append(c)
    return out


GENERATORS = {
    "conv1d": conv1d_cases,
    "conv2d": conv2d_cases,
    "gru": gru_cases,
    "gru_cell": gru_cell_cases,
    "log_softmax": log_softmax_cases,
    "cross_entropy": cross_entropy_cases,
}


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, gen in GENERATORS.items():
        torch.manual_seed(SEED)
        doc = {"op": name, "torch": torch.__version__, "seed": SEED, "cases": gen()}
        text = json.dumps(doc, separators=(",", ":")) + "\n"
        path = os.path.join(OUT_DIR, f"{name}.json")
        with open(path, "w") as f:
            f.write(text)
        assert len(text) < 50_000, f"{path}: {len(text)} bytes, keep fixtures under 50 KB"
        print(f"{os.path.relpath(path)}: {len(doc['cases'])} cases, {len(text)} bytes")


if __name__ == "__main__":
    main()
