"""A PyTorch replica of the `vla demo` pipeline, for learning-speed experiments (docs/benchmarks-trainer.md).

Same sizes and recipe as packages/trainer/src/demo-experiment.ts: ViT 64x64 patch 8 dim 64 depth 2
(pre-LN), a one-layer post-LN BERT over word tokens, a state MLP, language-query cross-attention
(post-LN, the state as one more key), a GRU decoder (hidden 128, chunk 8) and a done head; loss
MSE(normalised action chunk) + 0.1 BCE(done); AdamW 3e-3, weight decay 0.01, 50 warmup steps then
cosine to 5 %, clipping at 1, batch 32. It answers "does this change make the pipeline learn
faster?" without touching the packages; a change that helps here is then built as a stage option.

  node bench/imitation.mjs --dump DIR          # the demo's demonstrations, with 64x64 frames
  /usr/bin/python3 bench/pixel_policy_replica.py DIR [--steps N] [variant flags]

Variant flags: --vision cnn (3 strided convolutions instead of the patch embedding), --vision
keypoints (a per-pixel MLP, or a --kernel K convolution, makes --keypoints K heatmaps whose spatial
soft-argmax positions become the K tokens the ViT layers see), --coords
(fixed 2-D sin-cos coordinates added to the patch tokens), --task-tokens (privileged family /
block / target tokens instead of the instruction), --effector-centred (the frame shifted so the
effector is at the centre of a 128x128 canvas, max-pooled back to 64x64), --aux-positions W (an
auxiliary head regressing the true effector and block positions from the mean ViT token, weight W).
Prints the held-out action MSE (and that of the first action of the chunk) every steps/10 steps.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

COLUMNS = 20  # bench/imitation_policy.py's row layout


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('dump')
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--vision', choices=['patch', 'cnn', 'keypoints'], default='patch')
    p.add_argument('--keypoints', type=int, default=16)
    p.add_argument('--kernel', type=int, default=1)
    p.add_argument('--coords', action='store_true')
    p.add_argument('--task-tokens', action='store_true')
    p.add_argument('--effector-centred', action='store_true')
    p.add_argument('--aux-positions', type=float, default=0.0)
    return p.parse_args()


class Block(nn.Module):
    """A transformer block, pre-LN (ViT) or post-LN (BERT)."""

    def __init__(self, d, pre):
        super().__init__()
        self.pre = pre
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, 4, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x, pad=None):
        if self.pre:
            y = self.n1(x)
            x = x + self.att(y, y, y, key_padding_mask=pad, need_weights=False)[0]
            return x + self.ff(self.n2(x))
        x = self.n1(x + self.att(x, x, x, key_padding_mask=pad, need_weights=False)[0])
        return self.n2(x + self.ff(x))


class CrossAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, 4, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, q, kv):
        q = self.n1(q + self.att(q, kv, kv, need_weights=False)[0])
        return self.n2(q + self.ff(q))


class Policy(nn.Module):
    def __init__(self, args, vocab_size, length, chunk, d=64):
        super().__init__()
        self.args, self.chunk = args, chunk
        self.patch = nn.Conv2d(3, d, 8, 8)  # (B, D, 8, 8)
        self.cnn = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.GELU(), nn.Conv2d(32, 64, 3, 2, 1), nn.GELU(),
                                 nn.Conv2d(64, d, 3, 2, 1))  # (B, D, 8, 8)
        self.pos = nn.Parameter(torch.randn(1, 64, d) * 0.02)
        yy, xx = torch.meshgrid(torch.linspace(-1, 1, 8), torch.linspace(-1, 1, 8), indexing='ij')
        waves = [f(k * math.pi * t) for k in (1, 2, 4, 8) for t in (xx, yy) for f in (torch.sin, torch.cos)]
        self.register_buffer('coord', torch.stack([t.flatten() for t in waves + [xx, yy]], -1)[None])  # (1, 64, 18)
        self.coord_in = nn.Linear(self.coord.shape[-1], d)
        k, pad = args.kernel, args.kernel // 2
        self.heat = nn.Sequential(nn.Conv2d(3, 32, k, 1, pad), nn.GELU(), nn.Conv2d(32, args.keypoints, 1))
        yy, xx = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing='ij')
        self.register_buffer('pixel_xy', torch.stack([yy.flatten(), xx.flatten()], 1))  # (4096, 2)
        self.keypoint_in = nn.Linear(2, d)
        self.keypoint_id = nn.Parameter(torch.randn(1, args.keypoints, d) * 0.02)
        self.vit = nn.ModuleList([Block(d, pre=True) for _ in range(2)])
        self.vit_norm = nn.LayerNorm(d)
        self.words = nn.Embedding(vocab_size, d)
        self.word_pos = nn.Parameter(torch.randn(1, length, d) * 0.02)
        self.bert = Block(d, pre=False)
        self.state = nn.Sequential(nn.Linear(2, d), nn.GELU(), nn.Linear(d, d))
        self.fusion = CrossAttention(d)
        self.h0 = nn.Linear(d, 128)
        self.gru = nn.GRU(d, 128, batch_first=True)
        self.head = nn.Linear(128, 2)
        self.done = nn.Linear(d, 1)
        self.aux = nn.Sequential(nn.Linear(d, 128), nn.GELU(), nn.Linear(128, 10))

    def forward(self, image, tokens, state):
        x = (image.permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25  # (B, 3, 64, 64)
        if self.args.vision == 'keypoints':  # spatial soft-argmax: K expected (row, col) positions
            heat = self.heat(x).flatten(2).softmax(-1)  # (B, K, 4096)
            v = self.keypoint_in(heat @ self.pixel_xy) + self.keypoint_id  # (B, K, D)
        else:
            stem = self.cnn if self.args.vision == 'cnn' else self.patch
            v = stem(x).flatten(2).transpose(1, 2) + self.pos  # (B, 64, D)
        if self.args.coords:
            v = v + self.coord_in(self.coord)
        for block in self.vit:
            v = block(v)
        v = self.vit_norm(v)  # (B, 64, D)
        pad = tokens == 0  # (B, L)
        words = self.bert(self.words(tokens) + self.word_pos, pad)  # (B, L, D)
        keys = torch.cat([v, self.state(state)[:, None]], 1)  # (B, 65, D)
        q = self.fusion(words, keys)  # (B, L, D)
        real = (~pad).float()[..., None]  # (B, L, 1)
        fused = (q * real).sum(1) / real.sum(1)  # (B, D)
        steps, _ = self.gru(fused[:, None].expand(-1, self.chunk, -1).contiguous(), torch.tanh(self.h0(fused))[None])
        return self.head(steps), self.done(fused)[:, 0], self.aux(v.mean(1))  # (B, H, 2), (B), (B, 10)


def effector_centred(frames, effector):
    """Each frame shifted so the effector sits at the centre of a 128x128 canvas, max-pooled to 64x64."""
    row = np.clip(np.round((effector[:, 0] - 0.15) * 64 / 0.45).astype(int), 0, 63)
    col = np.clip(np.round((effector[:, 1] + 0.3048) * 64 / 0.6096).astype(int), 0, 63)
    out = np.empty_like(frames)
    for i in range(len(frames)):
        canvas = np.full((128, 128, 3), 40, np.uint8)
        canvas[64 - row[i]:128 - row[i], 64 - col[i]:128 - col[i]] = frames[i]
        out[i] = canvas.reshape(64, 2, 64, 2, 3).max((1, 3))
    return out


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = np.fromfile(f'{args.dump}/rows.f32', dtype=np.float32).reshape(-1, COLUMNS)
    frames = np.fromfile(f'{args.dump}/frames.u8', dtype=np.uint8).reshape(-1, 64, 64, 3)
    instructions = json.load(open(f'{args.dump}/instructions.json'))
    if len(frames) != len(rows):
        raise SystemExit(f'{args.dump}: {len(frames)} frames but {len(rows)} rows; dump again with bench/imitation.mjs --dump')
    n, chunk = len(rows), 8
    episode = rows[:, 0].astype(int)
    effector, actions, done = rows[:, 7:9], rows[:, 17:19], rows[:, 19]
    index = np.minimum(np.arange(n)[:, None] + np.arange(chunk)[None], n - 1)  # (n, H)
    same = episode[index] == episode[:, None]
    chunks = np.where(same[..., None], actions[index], 0.0)  # (n, H, 2)
    targets = ((chunks - actions.mean(0)) / actions.std(0)).astype(np.float32)
    states = ((effector - effector.mean(0)) / effector.std(0)).astype(np.float32)
    positions = np.concatenate([effector, rows[:, 9:17]], 1)
    positions = ((positions - positions.mean(0)) / positions.std(0)).astype(np.float32)  # (n, 10)
    if args.task_tokens:  # family, block, target as three tokens (1-based; 0 is padding)
        target = rows[:, 4].astype(int)
        tokens = np.stack([rows[:, 1] + 1, rows[:, 3] + 7, np.where(target >= 0, target + 12, 17)], 1).astype(np.int64)
        vocab_size = 18
    else:
        words = sorted({w for s in instructions for w in s.lower().split()})
        ids = {w: i + 1 for i, w in enumerate(words)}
        length = max(len(s.split()) for s in instructions)
        per_episode = np.zeros((len(instructions), length), np.int64)
        for e, s in enumerate(instructions):
            for j, w in enumerate(s.lower().split()):
                per_episode[e, j] = ids[w]
        tokens, vocab_size = per_episode[episode], len(words) + 1
    if args.effector_centred:
        frames = effector_centred(frames, effector)

    model = Policy(args, vocab_size, tokens.shape[1], chunk)
    opt = torch.optim.AdamW(model.parameters(), args.lr, weight_decay=0.01)
    warmup_cosine = lambda s: min(1, (s + 1) / 50) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine)
    held_out = episode % 10 == 0
    train_rows, rng = np.where(~held_out)[0], np.random.default_rng(0)
    val_rows = rng.permutation(np.where(held_out)[0])[:1024]
    batch = lambda ix: (torch.tensor(frames[ix]), torch.tensor(tokens[ix]), torch.tensor(states[ix]))
    started = time.time()
    for step in range(args.steps + 1):
        if step % max(1, args.steps // 10) == 0:
            with torch.no_grad():
                actions_v, _, aux_v = model(*batch(val_rows))
                err = ((actions_v - torch.tensor(targets[val_rows])) ** 2).mean((0, 2))  # (H)
                aux_err = ((aux_v - torch.tensor(positions[val_rows])) ** 2).mean()
            print(f'step {step} ({time.time() - started:.0f} s): held-out action MSE {err.mean():.3f} '
                  f'(first action {err[0]:.3f}), position MSE {aux_err:.3f}', flush=True)
        if step == args.steps:
            break
        ix = train_rows[rng.integers(0, len(train_rows), args.batch)]
        predicted, done_logit, aux = model(*batch(ix))
        loss = ((predicted - torch.tensor(targets[ix])) ** 2).mean()
        loss = loss + 0.1 * F.binary_cross_entropy_with_logits(done_logit, torch.tensor(done[ix]))
        if args.aux_positions > 0:
            loss = loss + args.aux_positions * ((aux - torch.tensor(positions[ix])) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        schedule.step()


if __name__ == '__main__':
    main()
