"""torch peers of the `vit` and `bert` stages, shared by the encoder and training benchmarks."""

import math

import torch
import torch.nn as nn


class KeypointReadout(nn.Module):
    """Peer of packages/encoder-vit/src/keypoint-readout.ts: cells of s x s pixels -> dense+ReLU ->
    dense (K score maps) -> softmax over the cells -> expected (u, v) at the cell centres ->
    [u, v, sin(pi 2^f u)_f, sin(pi 2^f v)_f, cos(pi 2^f u)_f, cos(pi 2^f v)_f] -> dense + identity (B, K, D)."""

    def __init__(self, d, keypoints, stride=1, hidden=16, frequencies=4):
        super().__init__()
        self.s, self.f = stride, frequencies
        self.pixel1 = nn.Linear(stride * stride * 3, hidden)
        self.pixel2 = nn.Linear(hidden, keypoints)
        self.embed = nn.Linear(2 + 4 * frequencies, d)
        self.identity = nn.Parameter(torch.zeros(1, keypoints, d))

    def forward(self, image):  # (B, H, W, 3), normalised
        b, height, width, c = image.shape
        s = self.s
        h, w = height // s, width // s
        cells = image.reshape(b, h, s, w, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b, h * w, s * s * c)
        scores = self.pixel2(torch.relu(self.pixel1(cells)))  # (B, h*w, K)
        k = scores.shape[-1]
        probs = scores.transpose(1, 2).reshape(b, k, h * w).softmax(-1).reshape(b, k, h, w)
        centres = lambda n: (2 * torch.arange(n, dtype=image.dtype) + 1) / n - 1  # cell centres in [-1, 1]
        u = (probs.sum(2) * centres(w)).sum(2, keepdim=True)  # (B, K, 1), along columns
        v = (probs.sum(3) * centres(h)).sum(2, keepdim=True)  # (B, K, 1), along rows
        positions = torch.cat([u, v], 2)  # (B, K, 2)
        if self.f == 0:
            return self.embed(positions) + self.identity
        octaves = math.pi * 2 ** torch.arange(self.f, dtype=image.dtype)  # (F)
        scaled = torch.cat([u * octaves, v * octaves], 2)  # (B, K, 2F): u's octaves, then v's
        features = torch.cat([positions, torch.sin(scaled), torch.cos(scaled)], 2)  # (B, K, 2 + 4F)
        return self.embed(features) + self.identity  # (B, K, D)


class Vit(nn.Module):
    """Peer of the `vit` stage. keypoints > 0 adds the keypoint readout's K tokens after
    [cls; patches] + position, or with patch_tokens=False makes the tokens [cls; keypoints] (no patch
    embedding, no position table). The keypoint path normalises the image as the stage does,
    (x - 0.5) / 0.5; the patch-only path keeps this peer's old input (elementwise, no matmul FLOPs)."""

    def __init__(self, d=64, depth=2, heads=4, mlp=256, p=8, size=64, keypoints=0, keypoint_stride=1,
                 keypoint_hidden=16, keypoint_frequencies=4, patch_tokens=True):
        super().__init__()
        self.p, n = p, (size // p) ** 2
        self.patch_tokens = patch_tokens
        if patch_tokens:
            self.patch = nn.Linear(p * p * 3, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        if patch_tokens:
            self.pos = nn.Parameter(torch.zeros(1, n + 1, d))
        self.keypoints = (
            KeypointReadout(d, keypoints, keypoint_stride, keypoint_hidden, keypoint_frequencies) if keypoints > 0 else None
        )
        if not patch_tokens and self.keypoints is None:
            raise ValueError("Vit: patch_tokens=False needs keypoints > 0")
        layer = nn.TransformerEncoderLayer(d, heads, mlp, 0.0, "gelu", 1e-12, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(d, eps=1e-12)

    def forward(self, image):  # (B, H, W, 3)
        b, h, w, c = image.shape
        p = self.p
        if self.keypoints is not None:
            image = (image - 0.5) / 0.5
        tokens = [self.cls.expand(b, -1, -1)]
        if self.patch_tokens:
            x = image.reshape(b, h // p, p, w // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, -1, p * p * c)
            tokens = [torch.cat([tokens[0], self.patch(x)], 1) + self.pos]  # (B, N+1, D)
        if self.keypoints is not None:
            tokens.append(self.keypoints(image))  # (B, K, D)
        return self.ln(self.blocks(torch.cat(tokens, 1)))


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
