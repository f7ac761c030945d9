"""PyTorch twin of chapter 10's model (lib/chapters/10_induction_heads/):
an attention-only decoder (token + learned position embeddings, causal
multi-head attention layers with no biases, residual, a linear read-out),
next-token cross-entropy at every position, torch.optim.Adam. Used by the
tests to check that tfjs takes the same steps from the same start, and to
time the same training on one thread.

Reads one JSON object from stdin: "parameters" (name → {"shape", "values"}
row-major, as Model.values() in lib/core/model.ts, every matrix applied as
x · W), "heads", "learningRate", "batches" (token ids, each [B][T]) and
optionally "ablate" ([[layer, head], ...], for the forward only) and
"forwardOnly" (true: no training; print the losses of the batches).
Prints one JSON object: "losses" (the loss of each batch before its update)
and "ms" (milliseconds of the whole loop).

    /usr/bin/python3 bench/torch_induction.py < spec.json
"""

import json
import math
import sys
import time

import torch

torch.set_num_threads(1)


def forward(p: dict, heads: int, tokens, ablate=()):
    B, T = tokens.shape
    d = p["embedding"].shape[1]
    dk = d // heads
    layers = sum(1 for name in p if name.endswith(".query"))
    x = p["embedding"][tokens] + p["positions"][:T]  # [B, T, d]
    mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)  # [T, T]
    for l in range(layers):
        def split(t):
            return t.view(B, T, heads, dk).transpose(1, 2)  # [B, h, T, dk]

        q = split(x @ p[f"layer{l}.query"])
        k = split(x @ p[f"layer{l}.key"])
        v = split(x @ p[f"layer{l}.value"])
        scores = q @ k.transpose(-1, -2) / math.sqrt(dk) + mask  # [B, h, T, T]
        z = torch.softmax(scores, dim=-1) @ v  # [B, h, T, dk]
        keep = torch.ones(1, heads, 1, 1)
        for layer, head in ablate:
            if layer == l:
                keep[0, head] = 0
        z = (z * keep).transpose(1, 2).reshape(B, T, d)  # [B, T, d]
        x = x + z @ p[f"layer{l}.output"]
    return x @ p["readout"]  # [B, T, vocabSize]


def loss_of(p: dict, heads: int, tokens, ablate=()):
    logits = forward(p, heads, tokens, ablate)[:, :-1]  # [B, T - 1, V]
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1)
    )


def main() -> None:
    spec = json.load(sys.stdin)
    p = {
        name: torch.tensor(t["values"], dtype=torch.float32)
        .reshape(t["shape"])
        .requires_grad_(True)
        for name, t in spec["parameters"].items()
    }
    heads = spec["heads"]
    batches = [torch.tensor(b, dtype=torch.long) for b in spec["batches"]]
    ablate = [tuple(a) for a in spec.get("ablate", [])]
    losses = []
    start = time.perf_counter()
    if spec.get("forwardOnly"):
        with torch.no_grad():
            losses = [loss_of(p, heads, t, ablate).item() for t in batches]
    else:
        optimizer = torch.optim.Adam(
            p.values(), lr=spec["learningRate"], betas=(0.9, 0.999), eps=1e-8
        )
        for tokens in batches:
            optimizer.zero_grad()
            loss = loss_of(p, heads, tokens)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    ms = (time.perf_counter() - start) * 1000
    json.dump({"losses": losses, "ms": ms}, sys.stdout)


if __name__ == "__main__":
    main()
