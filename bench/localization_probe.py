"""Can a vision stage learn to find the blocks? A probe for docs/benchmarks-trainer.md.

Trains one readout to regress the true effector and block positions (standardised, 10 values)
from the demo's 64x64 frames, with direct supervision and nothing else, and prints the held-out
MSE (1.0 = predicting the mean). Readouts:
  mean        the demo's ViT (patch 8, dim 64, depth 2, pre-LN), mean of its output tokens
  attention   the same ViT, 5 learned queries attending over its output tokens
  softargmax  a per-pixel 3x3 convolution + 1x1 convolution making 16 heatmaps whose spatial
              soft-argmax (expected row, column under a softmax over the 4,096 pixels) is the feature

  node bench/imitation.mjs --dump DIR
  /usr/bin/python3 bench/localization_probe.py DIR mean|attention|softargmax [--steps N] [--seed S]
"""
import argparse
import time

import numpy as np
import torch
from torch import nn

# the demo replica's transformer block and row layout (bench/ is on sys.path when run as a script)
from pixel_policy_replica import COLUMNS, Block


class Probe(nn.Module):
    def __init__(self, readout, d=64, keypoints=16):
        super().__init__()
        self.readout = readout
        self.patch = nn.Conv2d(3, d, 8, 8)
        self.pos = nn.Parameter(torch.randn(1, 64, d) * 0.02)
        self.vit = nn.ModuleList([Block(d, pre=True) for _ in range(2)])
        self.norm = nn.LayerNorm(d)
        self.queries = nn.Parameter(torch.randn(1, 5, d) * 0.02)
        self.pool = nn.MultiheadAttention(d, 4, batch_first=True)
        self.heat = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.GELU(), nn.Conv2d(32, keypoints, 1))
        yy, xx = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing='ij')
        self.register_buffer('pixel_xy', torch.stack([yy.flatten(), xx.flatten()], 1))  # (4096, 2)
        self.out = nn.Linear({'mean': d, 'attention': 5 * d, 'softargmax': 2 * keypoints}[readout], 10)

    def forward(self, image):
        x = (image.permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25  # (B, 3, 64, 64)
        if self.readout == 'softargmax':
            heat = self.heat(x).flatten(2).softmax(-1)  # (B, K, 4096)
            return self.out((heat @ self.pixel_xy).flatten(1))  # (B, K, 2) -> (B, 10)
        v = self.patch(x).flatten(2).transpose(1, 2) + self.pos  # (B, 64, D)
        for block in self.vit:
            v = block(v)
        v = self.norm(v)
        if self.readout == 'mean':
            return self.out(v.mean(1))
        pooled = self.pool(self.queries.expand(len(v), -1, -1), v, v, need_weights=False)[0]  # (B, 5, D)
        return self.out(pooled.flatten(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('dump')
    p.add_argument('readout', choices=['mean', 'attention', 'softargmax'])
    p.add_argument('--steps', type=int, default=600)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rows = np.fromfile(f'{args.dump}/rows.f32', dtype=np.float32).reshape(-1, COLUMNS)
    frames = np.fromfile(f'{args.dump}/frames.u8', dtype=np.uint8).reshape(-1, 64, 64, 3)
    if len(frames) != len(rows):
        raise SystemExit(f'{args.dump}: {len(frames)} frames but {len(rows)} rows; dump again with bench/imitation.mjs --dump')
    positions = np.concatenate([rows[:, 7:9], rows[:, 9:17]], 1)  # effector, 4 blocks (x, y)
    positions = ((positions - positions.mean(0)) / positions.std(0)).astype(np.float32)
    episode = rows[:, 0].astype(int)
    val = np.where(episode % 10 == 0)[0][:1024]
    train = np.where(episode % 10 != 0)[0]
    model = Probe(args.readout)
    opt = torch.optim.AdamW(model.parameters(), 3e-3)
    rng = np.random.default_rng(0)
    started = time.time()
    for step in range(args.steps + 1):
        if step % max(1, args.steps // 6) == 0:
            with torch.no_grad():
                err = ((model(torch.tensor(frames[val])) - torch.tensor(positions[val])) ** 2).mean(0)  # (10)
            each = ' '.join(f'{e:.3f}' for e in err.reshape(5, 2).mean(1).tolist())
            print(f'{args.readout} step {step} ({time.time() - started:.0f} s): held-out MSE {err.mean():.3f} '
                  f'(effector, blocks 0-3: {each})', flush=True)
        if step == args.steps:
            break
        ix = train[rng.integers(0, len(train), 32)]
        loss = ((model(torch.tensor(frames[ix])) - torch.tensor(positions[ix])) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == '__main__':
    main()
