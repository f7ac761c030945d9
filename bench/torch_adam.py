"""PyTorch twin of lib/train/adam.ts: torch.optim.Adam / AdamW in float64.

stdin: {"params": [[...], ...], "decay": [bool, ...], "grads": [[[...], ...] per step],
        "options": {learningRate, beta1, beta2, epsilon, weightDecay}}
stdout: {"params": [[...], ...]} after every step.
"""
import json
import sys

import torch

torch.set_num_threads(1)
case = json.load(sys.stdin)
o = case["options"]
params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in case["params"]]
groups = [
    {"params": [p for p, d in zip(params, case["decay"]) if d], "weight_decay": o["weightDecay"]},
    {"params": [p for p, d in zip(params, case["decay"]) if not d], "weight_decay": 0.0},
]
groups = [g for g in groups if g["params"]]
opt = torch.optim.AdamW(groups, lr=o["learningRate"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"])
out = []
for step in case["grads"]:
    for p, g in zip(params, step):
        p.grad = torch.tensor(g, dtype=torch.float64)
    opt.step()
    out.append([p.detach().tolist() for p in params])
json.dump({"params": out}, sys.stdout)
