#!/usr/bin/python3
"""The PyTorch side of `npm run bench:engine` (bench/engine.ts spawns it; run it with Debian's /usr/bin/python3).

engine.ts runs it as `bench/engine.py --serve` (see serve()) to alternate single repetitions with the TS side.
Standalone: /usr/bin/python3 bench/engine.py '<json spec>'
  spec: {"threads": 2, "workloads": [{"name": "conv2d_fwd", "warmup": 3, "reps": 11}, ...]}
Prints one JSON object on stdout:
  {"torch": version, "threads": at::get_num_threads() after setting, "parallel": backend line,
   "results": [{"name", "times_ms": [...], "check": [...]}]}

Each workload mirrors its twin in bench/engine.ts: the same seed, the same order of random draws (so the same inputs,
drawn by the same libtorch generator), the same ATen operators. `check` holds Σ|·| of outputs and gradients, computed
after the timed runs, so that engine.ts can confirm that both sides computed the same thing.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import _VF


def abs_sum(t):
    return float(t.detach().abs().sum().item())


def leaf(t):
    return t.detach().requires_grad_(True)


# Each workload: setup() -> state; run(state) (the timed part); check(state) -> [float] (untimed, after the runs);
# grads(state) -> leaves whose .grad is dropped before every run (as zeroGrad in TS, set_to_none semantics).


def conv2d_fwd():
    torch.manual_seed(1)
    x = torch.randn(256, 64, 16, 16)
    w = torch.randn(64, 64, 3, 3) * (1 / math.sqrt(64 * 9))

    def run():
        F.conv2d(x, w, None, 1, 1)

    def check():
        return [abs_sum(F.conv2d(x, w, None, 1, 1))]

    return run, check, []


def conv2d_fwd_bwd():
    torch.manual_seed(2)
    x = leaf(torch.randn(256, 64, 16, 16))
    w = leaf(torch.randn(64, 64, 3, 3) * (1 / math.sqrt(64 * 9)))

    def run():
        F.conv2d(x, w, None, 1, 1).sum().backward()

    def check():
        with torch.no_grad():
            y = F.conv2d(x, w, None, 1, 1)
        return [abs_sum(y), abs_sum(x.grad), abs_sum(w.grad)]

    return run, check, [x, w]


def conv1d_fwd_bwd():
    torch.manual_seed(3)
    x = leaf(torch.randn(8, 512, 4096))
    w = leaf(torch.randn(512, 512, 8) * (1 / math.sqrt(512 * 8)))

    def run():
        F.conv1d(x, w, None, 4).sum().backward()

    def check():
        with torch.no_grad():
            y = F.conv1d(x, w, None, 4)
        return [abs_sum(y), abs_sum(x.grad), abs_sum(w.grad)]

    return run, check, [x, w]


def gru_fwd_bwd():
    torch.manual_seed(4)
    B, T, I, H = 8, 128, 512, 256
    s = 1 / math.sqrt(H)
    x = torch.randn(B, T, I)
    h0 = torch.zeros(1, B, H)
    w_ih = leaf(torch.randn(3 * H, I) * s)
    w_hh = leaf(torch.randn(3 * H, H) * s)
    b_ih = leaf(torch.randn(3 * H) * s)
    b_hh = leaf(torch.randn(3 * H) * s)
    params = [w_ih, w_hh, b_ih, b_hh]

    def gru():
        # aten::gru.input, exactly what nn.GRU.forward calls: (input, hx, params, has_biases, num_layers, dropout,
        # train, bidirectional, batch_first).
        return _VF.gru(x, h0, params, True, 1, 0.0, True, False, True)

    def run():
        out, _h = gru()
        out.sum().backward()

    def check():
        with torch.no_grad():
            out, _h = gru()
        return [abs_sum(out)] + [abs_sum(p.grad) for p in params]

    return run, check, params


def matmul_fwd():
    torch.manual_seed(5)
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)

    def run():
        torch.matmul(a, b)

    def check():
        return [abs_sum(torch.matmul(a, b))]

    return run, check, []


def linear_nll_fwd_bwd():
    torch.manual_seed(6)
    x = torch.randn(4096, 512)
    w = leaf(torch.randn(10, 512) * (1 / math.sqrt(512)))
    b = leaf(torch.zeros(10))
    y = torch.randint(0, 10, (4096,))

    def loss():
        return F.nll_loss(F.log_softmax(F.linear(x, w, b), 1), y)

    def run():
        loss().backward()

    def check():
        with torch.no_grad():
            l = loss()
        return [abs_sum(l), abs_sum(w.grad), abs_sum(b.grad)]

    return run, check, [w, b]


WORKLOADS = {
    "conv2d_fwd": conv2d_fwd,
    "conv2d_fwd_bwd": conv2d_fwd_bwd,
    "conv1d_fwd_bwd": conv1d_fwd_bwd,
    "gru_fwd_bwd": gru_fwd_bwd,
    "matmul_fwd": matmul_fwd,
    "linear_nll_fwd_bwd": linear_nll_fwd_bwd,
}


def time_workload(name, warmup, reps):
    run, check, leaves = WORKLOADS[name]()
    times = []
    for i in range(warmup + reps):
        for p in leaves:
            p.grad = None
        t0 = time.perf_counter()
        run()
        t1 = time.perf_counter()
        if i >= warmup:
            times.append((t1 - t0) * 1000.0)
    return {"name": name, "times_ms": times, "check": check()}


def serve():
    """Interactive mode for engine.ts, which alternates TS and Python repetitions: one JSON request per stdin line,
    one JSON reply per stdout line. Requests: {"cmd": "init", "threads"}, {"cmd": "setup", "name"}, {"cmd": "run"}
    (reply {"ms": wall time, "cpu_ms": CPU time of all threads}), {"cmd": "check"} (reply {"check"}), {"cmd": "quit"}. Blocks on stdin (idle) between requests."""
    state = None

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "init":
            torch.set_num_threads(int(req["threads"]))
            reply(info())
        elif cmd == "setup":
            state = None
            state = WORKLOADS[req["name"]]()
            reply({"ok": True})
        elif cmd == "run":
            run, _check, leaves = state
            for p in leaves:
                p.grad = None
            c0 = time.process_time()
            t0 = time.perf_counter()
            run()
            t1 = time.perf_counter()
            c1 = time.process_time()
            reply({"ms": (t1 - t0) * 1000.0, "cpu_ms": (c1 - c0) * 1000.0})
        elif cmd == "check":
            reply({"check": state[1]()})
        elif cmd == "quit":
            break
        else:
            raise ValueError("unknown command " + cmd)


def info():
    par = torch.__config__.parallel_info()
    backend = next((l.strip() for l in par.splitlines() if l.startswith("ATen parallel backend")), "")
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "parallel": backend,
        "mkldnn": torch.backends.mkldnn.is_available(),
    }


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve()
        return
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {"threads": 2, "workloads": []}
    torch.set_num_threads(int(spec["threads"]))
    out = info()
    out["results"] = [time_workload(w["name"], int(w["warmup"]), int(w["reps"])) for w in spec["workloads"]]
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
