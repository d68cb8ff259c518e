#!/usr/bin/python3
"""The torch peer of bench/encoders.mjs: the default vit and bert architectures (same sizes, pre-LN /
post-LN, erf GELU, Adam), median train-step time in ms. Args: batch steps. Prints one JSON line."""
import json
import sys
import time

import torch
from torch import nn

torch.set_num_threads(2)
torch.manual_seed(0)
batch, steps = int(sys.argv[1]), int(sys.argv[2])


class Vit(nn.Module):
    def __init__(self, d=64, depth=2, heads=4, mlp=256, p=8, size=64):
        super().__init__()
        self.p, n = p, (size // p) ** 2
        self.patch = nn.Linear(p * p * 3, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, d))
        layer = nn.TransformerEncoderLayer(d, heads, mlp, 0.0, "gelu", 1e-12, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(d, eps=1e-12)

    def forward(self, image):  # (B, H, W, 3)
        b, h, w, c = image.shape
        p = self.p
        x = image.reshape(b, h // p, p, w // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, -1, p * p * c)
        x = torch.cat([self.cls.expand(b, -1, -1), self.patch(x)], 1) + self.pos
        return self.ln(self.blocks(x))


class Bert(nn.Module):
    def __init__(self, vocab=140, d=64, depth=2, heads=4, mlp=256, length=16):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, d), nn.Embedding(length, d), nn.Embedding(1, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        layer = nn.TransformerEncoderLayer(d, heads, mlp, 0.0, "gelu", 1e-12, batch_first=True, norm_first=False)
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)

    def forward(self, ids, mask):
        x = self.ln(self.word(ids) + self.pos.weight[None, : ids.shape[1]] + self.token_type.weight[None])
        return self.blocks(x, src_key_padding_mask=mask == 0)


def time_steps(model, *inputs):
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    times = []
    for i in range(steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = model(*inputs).square().mean()
        loss.backward()
        opt.step()
        if i > 0:
            times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


ids = torch.randint(5, 100, (batch, 16))
ids[:, 12:] = 0
vit_ms = time_steps(Vit(), torch.rand(batch, 64, 64, 3))
bert_ms = time_steps(Bert(), ids, (ids != 0).float())
print(json.dumps({"vit_ms": round(vit_ms, 1), "bert_ms": round(bert_ms, 1), "torch": torch.__version__, "threads": 2}))
