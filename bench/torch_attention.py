"""PyTorch reference for lib/attention.ts's multiHeadAttention.

Reads a JSON list of cases from stdin, each with x [B, T, d], inProjWeight [3d, d],
inProjBias [3d], outProjWeight [d, d], outProjBias [d], numHeads, causal.
Loads the weights into torch.nn.MultiheadAttention(d, numHeads,
batch_first=True), runs self-attention (with the causal mask when asked) and
prints, for each case, {"output": [B, T, d], "weights": [B, numHeads, T, T]},
as one JSON list.

    echo '[{...}]' | /usr/bin/python3 bench/torch_attention.py
"""

import json
import sys

import torch
import torch.nn as nn

torch.set_num_threads(1)


def attention(spec: dict) -> dict:
    x = torch.tensor(spec["x"], dtype=torch.float32)
    d = x.shape[-1]
    mha = nn.MultiheadAttention(d, spec["numHeads"], batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(spec["inProjWeight"]))
        mha.in_proj_bias.copy_(torch.tensor(spec["inProjBias"]))
        mha.out_proj.weight.copy_(torch.tensor(spec["outProjWeight"]))
        mha.out_proj.bias.copy_(torch.tensor(spec["outProjBias"]))
        mask = None
        if spec["causal"]:
            mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        output, weights = mha(
            x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False
        )
    return {"output": output.tolist(), "weights": weights.tolist()}


def main() -> None:
    json.dump([attention(spec) for spec in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
