"""PyTorch reference for lib/block.ts: nn.TransformerEncoderLayer and nn.LayerNorm.

Reads a JSON list of cases from stdin. A case with "kind": "block" holds x
[B, T, d], the block's weights named as lib/block.ts's BlockWeights
(inProjWeight, ..., norm2Bias), numHeads, causal and normFirst; it is run
through torch.nn.TransformerEncoderLayer(d, numHeads, dFF, dropout=0,
activation="relu", batch_first=True, norm_first=normFirst) loaded with those
weights. A case with "kind": "layerNorm" holds x [..., d], weight, bias and
epsilon, run through torch.nn.LayerNorm(d, eps=epsilon). Prints one JSON list
with {"output": ...} per case.

    echo '[{...}]' | /usr/bin/python3 bench/torch_block.py
"""

import json
import sys

import torch
import torch.nn as nn

torch.set_num_threads(1)

# lib/block.ts's names → nn.TransformerEncoderLayer's state-dict names
STATE_DICT_NAMES = {
    "inProjWeight": "self_attn.in_proj_weight",
    "inProjBias": "self_attn.in_proj_bias",
    "outProjWeight": "self_attn.out_proj.weight",
    "outProjBias": "self_attn.out_proj.bias",
    "linear1Weight": "linear1.weight",
    "linear1Bias": "linear1.bias",
    "linear2Weight": "linear2.weight",
    "linear2Bias": "linear2.bias",
    "norm1Weight": "norm1.weight",
    "norm1Bias": "norm1.bias",
    "norm2Weight": "norm2.weight",
    "norm2Bias": "norm2.bias",
}


def block(spec: dict) -> dict:
    x = torch.tensor(spec["x"], dtype=torch.float32)
    d = x.shape[-1]
    d_ff = len(spec["linear1Weight"])
    layer = nn.TransformerEncoderLayer(
        d,
        spec["numHeads"],
        d_ff,
        dropout=0.0,
        activation="relu",
        batch_first=True,
        norm_first=spec["normFirst"],
    )
    state = {
        torch_name: torch.tensor(spec[name], dtype=torch.float32)
        for name, torch_name in STATE_DICT_NAMES.items()
    }
    layer.load_state_dict(state, strict=True)
    layer.eval()
    mask = None
    if spec["causal"]:
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
    with torch.no_grad():
        output = layer(x, src_mask=mask)
    return {"output": output.tolist()}


def layer_norm(spec: dict) -> dict:
    x = torch.tensor(spec["x"], dtype=torch.float32)
    norm = nn.LayerNorm(x.shape[-1], eps=spec["epsilon"])
    with torch.no_grad():
        norm.weight.copy_(torch.tensor(spec["weight"]))
        norm.bias.copy_(torch.tensor(spec["bias"]))
        output = norm(x)
    return {"output": output.tolist()}


def main() -> None:
    kinds = {"block": block, "layerNorm": layer_norm}
    cases = json.load(sys.stdin)
    json.dump([kinds[case["kind"]](case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
