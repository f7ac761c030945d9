"""PyTorch twin of chapter 11 (lib/chapters/11_a_small_gpt/): nanoGPT's GPT
from bench/torch_gpt.py, trained with torch.optim.AdamW at a given rate per
step, or a checkpoint read with numpy alone and measured on a text.

Reads one JSON object from stdin, either

  {"mode": "train", "config", "adam", "values", "batches", "rates": [lr per step]}
    -> {"losses": [loss of each step's batch before its update]}

or

  {"mode": "evaluate", "checkpoint": PATH, "text": "...", "windows": W}
    -> {"loss": mean cross-entropy, "windows": W, "characters": predictions}

"evaluate" reads the safetensors file with numpy (8-byte header length, JSON
header, raw little-endian float32), takes the vocabulary and the
configuration from its __metadata__, encodes the text itself (characters not
in the vocabulary become the last id) and cuts the same evenly spaced windows
as corpus.ts's fixedSample: start k = floor(k * (n - T - 1) / (W - 1)).

    /usr/bin/python3 bench/torch_gpt_char.py < request.json
"""

import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt import GPT, train_step  # noqa: E402

torch.set_num_threads(1)


def load_values(model, values):
    state = model.state_dict()
    for name, tensor in state.items():
        source = "transformer.wte.weight" if name == "lm_head.weight" else name
        data = torch.tensor(np.asarray(values[source], dtype=np.float32))
        tensor.copy_(data.view(tensor.shape))


def train(spec):
    model = GPT(spec["config"])
    load_values(model, spec["values"])
    a = spec["adam"]
    params = list(model.parameters())  # the tied weight once
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": a["weightDecay"]},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=spec["rates"][0],
        betas=(a["beta1"], a["beta2"]),
        eps=a["epsilon"],
    )
    losses = []
    for batch, rate in zip(spec["batches"], spec["rates"]):
        for group in optimizer.param_groups:
            group["lr"] = rate
        losses.append(train_step(model, optimizer, batch))
    return {"losses": losses}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", entry["dtype"]
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors, metadata


def evaluate(spec):
    tensors, metadata = read_safetensors(spec["checkpoint"])
    config = json.loads(metadata["config"])
    characters = json.loads(metadata["vocabulary"])
    ids = {c: i for i, c in enumerate(characters)}
    fallback = len(characters)
    encoded = np.array([ids.get(c, fallback) for c in spec["text"]], dtype=np.int64)
    model = GPT(config)
    load_values(model, {k: v.reshape(-1) for k, v in tensors.items()})
    assert np.array_equal(tensors["lm_head.weight"], tensors["transformer.wte.weight"])
    T = config["blockSize"]
    W = spec["windows"]
    last = len(encoded) - T - 1
    starts = [k * last // (W - 1) for k in range(W)]
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, W, 100):
            chunk = starts[i : i + 100]
            x = torch.tensor(np.stack([encoded[s : s + T] for s in chunk]))
            y = torch.tensor(np.stack([encoded[s + 1 : s + 1 + T] for s in chunk]))
            logits = model(x)
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)), y.reshape(-1), reduction="sum"
            )
            total += loss.item()
            count += y.numel()
    return {"loss": total / count, "windows": W, "characters": count}


def main():
    spec = json.load(sys.stdin)
    result = train(spec) if spec["mode"] == "train" else evaluate(spec)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
