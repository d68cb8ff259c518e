"""torch peers of the `vit` and `bert` stages, shared by the encoder and training benchmarks."""

import torch
import torch.nn as nn


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
