"""An independent safetensors reader in numpy (no safetensors package):
prints {"metadata": {...}, "tensors": {name: {"shape": [...], "sum": s, "first": [...]}}}.

    /usr/bin/python3 bench/read_safetensors.py FILE
"""
import json
import struct
import sys

import numpy as np

with open(sys.argv[1], "rb") as f:
    raw = f.read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + n])
data = raw[8 + n :]
out = {"metadata": header.pop("__metadata__", {}), "tensors": {}}
for name, entry in header.items():
    assert entry["dtype"] == "F32", entry["dtype"]
    a, b = entry["data_offsets"]
    t = np.frombuffer(data[a:b], dtype="<f4").reshape(entry["shape"])
    out["tensors"][name] = {
        "shape": list(t.shape),
        "sum": float(t.astype(np.float64).sum()),
        "first": [float(x) for x in t.reshape(-1)[:4]],
    }
json.dump(out, sys.stdout)
