"""PyTorch twin of lib/task_model.ts (chapter 7): embeddings + learned
positions, attention hops queried from "it" (residual), an MLP read-out,
cross-entropy, Adam. Used by bench/task_bench.ts to time one training epoch
on one thread and to check that both take the same steps.

Reads one JSON object from stdin: the initial parameters by name (as
TaskModel.parameters), "hops", "learningRate", "batches" (each with "ids"
[B, seqLen], "focus" [B], "labels" [B]) and "repeats". Prints one JSON object:
"losses" (the first epoch's loss per step, from the given start) and
"epochMs" (milliseconds per epoch, one per repeat, after the first epoch).

    /usr/bin/python3 bench/torch_task.py < spec.json
"""

import json
import math
import sys
import time

import torch

torch.set_num_threads(1)


def loss_of(p: dict, hops: int, ids, focus, labels, pad):
    B, T = ids.shape
    d = p["embedding"].shape[1]
    x = p["embedding"][ids] + p["positions"][:T]  # [B, T, d]
    h = x[torch.arange(B), focus]  # [B, d]: the row of "it"
    for hop in range(1, hops + 1):
        q = h @ p[f"hop{hop}.query"]  # [B, d]
        k = x @ p[f"hop{hop}.key"]  # [B, T, d]
        v = x @ p[f"hop{hop}.value"]  # [B, T, d]
        scores = (k @ q.unsqueeze(-1)).squeeze(-1) / math.sqrt(d)  # [B, T]
        weights = torch.softmax(scores.masked_fill(pad, float("-inf")), dim=-1)
        h = h + (weights.unsqueeze(1) @ v).squeeze(1)  # residual, [B, d]
    hidden = torch.relu(h @ p["readout.hidden"] + p["readout.hiddenBias"])
    logits = hidden @ p["readout.output"] + p["readout.outputBias"]  # [B, classes]
    return torch.nn.functional.cross_entropy(logits, labels)


def main() -> None:
    spec = json.load(sys.stdin)
    p = {
        name: torch.tensor(value, dtype=torch.float32, requires_grad=True)
        for name, value in spec["parameters"].items()
    }
    optimizer = torch.optim.Adam(
        p.values(), lr=spec["learningRate"], betas=(0.9, 0.999), eps=1e-8
    )
    batches = [
        (
            torch.tensor(b["ids"], dtype=torch.long),
            torch.tensor(b["focus"], dtype=torch.long),
            torch.tensor(b["labels"], dtype=torch.long),
        )
        for b in spec["batches"]
    ]
    batches = [(ids, focus, labels, ids == 0) for ids, focus, labels in batches]

    def epoch() -> list:
        losses = []
        for ids, focus, labels, pad in batches:
            optimizer.zero_grad()
            loss = loss_of(p, spec["hops"], ids, focus, labels, pad)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    losses = epoch()
    times = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - start) * 1000)
    json.dump({"losses": losses, "epochMs": times}, sys.stdout)


if __name__ == "__main__":
    main()
