"""PyTorch twin of lib/core/gpt.ts: nanoGPT's GPT (pre-LN blocks, causal
multi-head self-attention, GELU (tanh) MLP, final LayerNorm, output head tied
to the token embeddings), trained with torch.optim.AdamW (weight decay on
matrices only, as nanoGPT) on given batches from given weights.

Reads one JSON object from stdin: {"config": {vocabSize, blockSize,
numLayers, numHeads, dModel}, "adam": {learningRate, beta1, beta2, epsilon,
weightDecay}, "values": {nanoGPT name: flat list}, "batches": [{"input":
[[ids]], "target": [[ids]]}]}. Prints {"losses": [...], "msPerStep": [...],
"torchVersion": "..."}: the loss of each step before its update, and each
step's wall time (one thread).

    /usr/bin/python3 bench/torch_gpt.py < run.json
"""

import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


class CausalSelfAttention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.n_head = n_head

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        h = self.n_head
        q = q.view(B, T, h, C // h).transpose(1, 2)  # (B, h, T, dK)
        k = k.view(B, T, h, C // h).transpose(1, 2)
        v = v.view(B, T, h, C // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, n_head)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = MLP(d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(c["vocabSize"], d),
                wpe=nn.Embedding(c["blockSize"], d),
                h=nn.ModuleList(
                    [Block(d, c["numHeads"]) for _ in range(c["numLayers"])]
                ),
                ln_f=nn.LayerNorm(d),
            )
        )
        self.lm_head = nn.Linear(d, c["vocabSize"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as nanoGPT

    def forward(self, idx):
        B, T = idx.size()
        pos = torch.arange(0, T, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def train_step(model, optimizer, batch):
    """One step: cross-entropy of the next tokens, backward, the optimizer; the loss before it."""
    x = torch.tensor(batch["input"], dtype=torch.long)
    y = torch.tensor(batch["target"], dtype=torch.long)
    logits = model(x)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def main():
    spec = json.load(sys.stdin)
    model = GPT(spec["config"])
    state = model.state_dict()
    for name, tensor in state.items():
        source = "transformer.wte.weight" if name == "lm_head.weight" else name
        values = torch.tensor(spec["values"][source], dtype=torch.float32)
        tensor.copy_(values.view(tensor.shape))
    a = spec["adam"]
    params = {n: p for n, p in model.named_parameters()}  # tied weight once
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": a["weightDecay"]},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=a["learningRate"],
        betas=(a["beta1"], a["beta2"]),
        eps=a["epsilon"],
    )
    losses, times = [], []
    for batch in spec["batches"]:
        start = time.perf_counter()
        losses.append(train_step(model, optimizer, batch))
        times.append((time.perf_counter() - start) * 1000)
    json.dump(
        {"losses": losses, "msPerStep": times, "torchVersion": torch.__version__},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
