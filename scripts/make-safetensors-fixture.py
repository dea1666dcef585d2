#!/usr/bin/python3
"""Safetensors fixture generator / cross-language read-back check.

  /usr/bin/python3 scripts/make-safetensors-fixture.py
      writes src/tensor/fixtures/python.safetensors with the tensors in EXPECTED and METADATA.
  /usr/bin/python3 scripts/make-safetensors-fixture.py FILE
      reads FILE (e.g. written by our TypeScript encoder), prints its tensors and metadata as JSON,
      and verifies with torch that every EXPECTED / EXTRA tensor present has the right dtype, shape
      and values and that the metadata matches. Exits non-zero on any mismatch.

Uses the Debian `python3-torch`. If the `safetensors` package is importable it is used
(safetensors.torch.save_file / load_file, the reference implementation). Otherwise -- as on the
Debian image this project targets, where it is not packaged -- the file is written and parsed here
with torch + struct + json, following the spec (https://github.com/huggingface/safetensors):
u64 LE header length N, N bytes of JSON header padded with spaces to 8-byte alignment, then the
data buffer, tensors ordered like the reference writer (larger item size first, then name).
"""
import json
import os
import struct
import sys

import torch

try:
    import safetensors.torch as st  # type: ignore

    HAVE_SAFETENSORS = True
except ImportError:
    st = None
    HAVE_SAFETENSORS = False

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "tensor", "fixtures", "python.safetensors")

EXPECTED = {
    "weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5,
    "bias": torch.tensor([1.5, -2.0, 3.25], dtype=torch.float64),
    "steps": torch.tensor([7, -9], dtype=torch.int64),
    "mask": torch.tensor([True, False, True, True], dtype=torch.bool),
}
METADATA = {"config": json.dumps({"lr": 0.0002}), "step": "42"}

# Optional extra tensors the TypeScript round-trip file also carries (checked if present).
EXTRA = {
    "counts": torch.tensor([[1, -2], [3, 4]], dtype=torch.int32),
    "bytes": torch.tensor([0, 127, 255], dtype=torch.uint8),
    "half": torch.tensor([1.5, -0.25], dtype=torch.float16),
    "bhalf": torch.tensor([1.0, -2.0], dtype=torch.bfloat16),
    "empty": torch.zeros((0, 3), dtype=torch.float32),
    "scalar": torch.tensor(2.5, dtype=torch.float32),
}

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def tensor_bytes(t):
    t = t.contiguous().reshape(-1)
    return bytes(t.view(torch.uint8).tolist()) if t.numel() else b""


def write_spec(path, tensors, metadata):
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        data = tensor_bytes(t)
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * (-len(hjson) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)) + hjson + b"".join(chunks))


def read_spec(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), f"truncated header: {n} > {len(raw) - 8}"
    assert raw[8] == ord("{"), "header must start with '{'"
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    buf = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors, spans = {}, []
    for name, info in header.items():
        dtype = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = info["shape"]
        numel = 1
        for d in shape:
            numel *= d
        itemsize = torch.empty((), dtype=dtype).element_size()
        assert end - begin == numel * itemsize and end <= len(buf), f"{name}: bad data_offsets"
        spans.append((begin, end))
        if numel == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(buf[begin:end]), dtype=dtype).reshape(shape)
    cursor = 0
    for begin, end in sorted(spans):
        assert begin == cursor, "hole or overlap in data buffer"
        cursor = end
    assert cursor == len(buf), "data buffer not fully covered"
    return tensors, metadata


def read_back(path):
    if HAVE_SAFETENSORS:
        tensors = st.load_file(path)
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            metadata = json.loads(f.read(n)).get("__metadata__", {})
    else:
        tensors, metadata = read_spec(path)
    out = {
        "reader": "safetensors.torch.load_file" if HAVE_SAFETENSORS else "spec parser (torch+struct+json)",
        "metadata": metadata,
        "tensors": {
            name: {"dtype": NAMES[t.dtype], "shape": list(t.shape), "values": t.float().tolist() if t.dtype in (torch.float16, torch.bfloat16) else t.tolist()}
            for name, t in sorted(tensors.items())
        },
    }
    print("{")
    print(f' "reader": {json.dumps(out["reader"])},')
    print(f' "metadata": {json.dumps(out["metadata"])},')
    print(' "tensors": {')
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in out["tensors"].items()]
    print(",\n".join(lines))
    print(" }\n}")
    errors = []
    if metadata != METADATA:
        errors.append(f"metadata {metadata!r} != {METADATA!r}")
    checks = {**EXPECTED, **{k: v for k, v in EXTRA.items() if k in tensors}}
    for name, want in checks.items():
        got = tensors.get(name)
        if got is None:
            errors.append(f"missing tensor {name!r}")
        elif got.dtype != want.dtype or got.shape != want.shape or not torch.equal(got, want):
            errors.append(f"tensor {name!r}: got {got!r}, want {want!r}")
    for e in errors:
        print("MISMATCH:", e, file=sys.stderr)
    print("python read-back:", "FAIL" if errors else f"OK ({len(checks)} of {len(tensors)} tensors + metadata verified with torch)", file=sys.stderr)
    return 1 if errors else 0


def main():
    if len(sys.argv) > 1:
        return read_back(sys.argv[1])
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    if HAVE_SAFETENSORS:
        st.save_file(EXPECTED, FIXTURE, metadata=METADATA)
    else:
        write_spec(FIXTURE, EXPECTED, METADATA)
    print(f"wrote {os.path.normpath(FIXTURE)} ({os.path.getsize(FIXTURE)} bytes, safetensors package: {HAVE_SAFETENSORS})")
    return read_back(FIXTURE)


if __name__ == "__main__":
    sys.exit(main())
