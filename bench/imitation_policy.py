"""Behaviour-cloning upper bound for `pnpm bench imitation` (bench/imitation.mjs).

An MLP that sees the true world state (no pixels, no language) is trained on the scripted
expert's action chunks and then drives the simulator through a line protocol, so the closed-loop
success it reaches is what perfect perception buys at a given sample budget.

  train ROWS OUT --features relative|positions --steps N --batch B --chunk H --seed S
      ROWS: float32 rows (see COLUMNS); prints one JSON line {"val_mse", "val_first_mse"}
  serve MODEL
      reads one JSON array of state rows per line (COLUMNS without the action and done columns),
      answers one JSON array of (H, 2) action chunks per line
"""
import argparse
import json
import sys

import numpy as np
import torch
from torch import nn

# episode, family, step, block, target (-1: none), goal x, goal y, effector x, y, 4 blocks x, y,
# action x, y, done
COLUMNS = 20
STATE_COLUMNS = 17
FAMILIES = 5


def features(rows, kind):
    """(n, F) float32 features of state rows."""
    n = len(rows)
    family = rows[:, 1].astype(int)
    block = rows[:, 3].astype(int)
    target = rows[:, 4].astype(int)
    goal = rows[:, 5:7]
    effector = rows[:, 7:9]
    blocks = rows[:, 9:17].reshape(n, 4, 2)
    to_blocks = (blocks - effector[:, None]).reshape(n, -1)
    if kind == 'positions':
        # what a perfect perception stage would hand over: positions and identities, no geometry
        return np.concatenate([
            effector * 10, to_blocks * 10, blocks.reshape(n, -1) * 10, np.eye(4)[block],
            np.eye(FAMILIES)[family], np.eye(5)[target + 1], goal * 10,
        ], 1).astype(np.float32)
    # 'relative': the same plus the task geometry worked out (block - effector, goal - block)
    rows_idx = np.arange(n)
    pushed = blocks[rows_idx, block]
    anchor = np.where((target >= 0)[:, None], blocks[rows_idx, np.maximum(target, 0)], 0)
    aim = np.where((family == 0)[:, None], anchor, goal)
    return np.concatenate([
        effector * 10, (pushed - effector) * 10, (aim - pushed) * 10, (anchor - pushed) * 10,
        to_blocks * 10, np.eye(FAMILIES)[family],
    ], 1).astype(np.float32)


def action_chunks(rows, chunk):
    """(n, H*2) normalised action chunks per row (zero past the episode's end), action mean, std."""
    n = len(rows)
    episode = rows[:, 0].astype(int)
    actions = rows[:, 17:19]
    index = np.minimum(np.arange(n)[:, None] + np.arange(chunk)[None], n - 1)  # (n, H)
    same = episode[index] == episode[:, None]  # (n, H): False past the episode's end
    chunks = np.where(same[..., None], actions[index], 0.0)  # (n, H, 2), zero-padded
    mean, std = actions.mean(0), actions.std(0)
    return ((chunks - mean) / std).reshape(n, -1).astype(np.float32), mean, std


def policy_mlp(inputs, outputs):
    """The 3 x 512 GELU MLP the privileged policies use."""
    return nn.Sequential(
        nn.Linear(inputs, 512), nn.GELU(), nn.Linear(512, 512), nn.GELU(),
        nn.Linear(512, 512), nn.GELU(), nn.Linear(512, outputs))


def fit(x, y, episode, chunk, steps, batch, seed, every=0, report=None):
    """Trains policy_mlp on (x, y) with every 10th episode held out: AdamW 1e-3, cosine to 0.
    Calls report(step, held-out MSE) every `every` steps; returns the model and (x, y) held out."""
    val = episode % 10 == 0
    xt, yt = torch.tensor(x[~val]), torch.tensor(y[~val])
    xv, yv = torch.tensor(x[val]), torch.tensor(y[val])
    model = policy_mlp(x.shape[1], chunk * 2)
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    g = torch.Generator().manual_seed(seed)
    for step in range(1, steps + 1):
        b = torch.randint(0, len(xt), (batch,), generator=g)
        loss = ((model(xt[b]) - yt[b]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        if report is not None and (step % every == 0 or step == steps):
            with torch.no_grad():
                report(step, float(((model(xv) - yv) ** 2).mean()))
    return model, (xv, yv)


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rows = np.fromfile(args.rows, dtype=np.float32).reshape(-1, COLUMNS)
    n, chunk = len(rows), args.chunk
    episode = rows[:, 0].astype(int)
    y, mean, std = action_chunks(rows, chunk)  # (n, H*2)
    x = features(rows, args.features)  # (n, F)
    model, (xv, yv) = fit(x, y, episode, chunk, args.steps, args.batch, args.seed)
    with torch.no_grad():
        err = ((model(xv) - yv) ** 2).reshape(-1, chunk, 2).mean((0, 2))  # (H)
    torch.save({'model': model, 'mean': mean, 'std': std, 'chunk': chunk, 'features': args.features}, args.out)
    print(json.dumps({'val_mse': float(err.mean()), 'val_first_mse': float(err[0])}), flush=True)


def serve(args):
    torch.set_num_threads(1)
    saved = torch.load(args.model)
    model, chunk = saved['model'], saved['chunk']
    for line in sys.stdin:
        rows = np.array(json.loads(line), dtype=np.float32).reshape(-1, STATE_COLUMNS)
        with torch.no_grad():
            out = model(torch.tensor(features(rows, saved['features']))).numpy()
        out = out.reshape(len(rows), chunk, 2) * saved['std'] + saved['mean']
        print(json.dumps(out.round(6).tolist()), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train')
    t.add_argument('rows')
    t.add_argument('out')
    t.add_argument('--features', choices=['relative', 'positions'], required=True)
    t.add_argument('--steps', type=int, required=True)
    t.add_argument('--batch', type=int, required=True)
    t.add_argument('--chunk', type=int, default=8)
    t.add_argument('--seed', type=int, default=0)
    t.add_argument('--threads', type=int, default=2)
    s = sub.add_parser('serve')
    s.add_argument('model')
    args = p.parse_args()
    train(args) if args.cmd == 'train' else serve(args)


if __name__ == '__main__':
    main()
