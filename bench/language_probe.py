"""How much does reading the instruction cost a behaviour-cloned policy? (offline, held-out MSE)

An MLP (bench/imitation_policy.py's 3 x 512) is trained on the expert's 8-step action chunks from
the true positions plus either the parsed task or the instruction's words, on the demonstrations
`node bench/imitation.mjs --dump DIR` writes (rows.f32, instructions.json):

  parsed     imitation_policy.py's 'positions' features: positions, block - effector, and the
             parsed task (block, family, target one-hots, goal point)
  words      positions, block - effector, and the instruction as one-hot words per slot (12 slots)
  words-raw  positions and the words only

  /usr/bin/python3 bench/language_probe.py DIR --features words [--steps 3000] [--batch 32]

Prints the held-out MSE (normalised actions, every 10th episode held out) every 1000 steps, then
one JSON line {"features", "steps", "val_mse"}.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imitation_policy import COLUMNS, action_chunks, features, fit  # noqa: E402

SLOTS = 12


def main():
    p = argparse.ArgumentParser()
    p.add_argument('dir')
    p.add_argument('--features', choices=['parsed', 'words', 'words-raw'], required=True)
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)  # the MLP's initial weights
    rows = np.fromfile(os.path.join(args.dir, 'rows.f32'), dtype=np.float32).reshape(-1, COLUMNS)
    with open(os.path.join(args.dir, 'instructions.json')) as f:
        instructions = json.load(f)
    n, chunk = len(rows), 8
    episode = rows[:, 0].astype(int)
    y, _, _ = action_chunks(rows, chunk)  # (n, H*2)
    vocab = sorted({w for s in instructions for w in s.split()})
    words = np.zeros((len(instructions), SLOTS, len(vocab)), np.float32)  # (episodes, slots, V)
    for e, s in enumerate(instructions):
        for i, w in enumerate(s.split()[:SLOTS]):
            words[e, i, vocab.index(w)] = 1
    words = words.reshape(len(instructions), -1)[episode]  # (n, slots * V)
    effector = rows[:, 7:9]
    blocks = rows[:, 9:17]
    to_blocks = (blocks.reshape(n, 4, 2) - effector[:, None]).reshape(n, -1)
    if args.features == 'parsed':
        x = features(rows, 'positions')
    elif args.features == 'words':
        x = np.concatenate([effector * 10, blocks * 10, to_blocks * 10, words], 1).astype(np.float32)
    else:
        x = np.concatenate([effector * 10, blocks * 10, words], 1).astype(np.float32)
    held_out = []

    def report(step, mse):
        held_out.append(mse)
        print(f'{args.features} step {step}: held-out MSE {mse:.3f}', file=sys.stderr, flush=True)

    fit(x, y, episode, chunk, args.steps, args.batch, args.seed, every=1000, report=report)
    val_mse = held_out[-1]
    print(json.dumps({'features': args.features, 'steps': args.steps, 'val_mse': round(val_mse, 4)}))


if __name__ == '__main__':
    main()
