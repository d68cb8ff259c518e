#!/usr/bin/env python3
"""Peer of bench/stages.mjs: the same stages, sizes and measurements in PyTorch (CPU, fp32).

Run with Debian's python and torch, 2 threads, default OpenBLAS kernels:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
    /usr/bin/python3 bench/stages_torch.py [--batch 32] [--samples 9] [--threads 2]
Prints a table and, as its last line, one JSON object like stages.mjs.
"""
import argparse
import json
import math
import time

import torch
from torch import nn

N, L, WIDTH = 64, 16, 64


class CrossAttention(nn.Module):
    """Post-LN block: language queries attend to vision tokens (+ an optional state token)."""

    def __init__(self, dim=64, heads=4, ffn=128, state=False):
        super().__init__()
        self.heads, self.dh = heads, dim // heads
        self.inp = nn.Linear(WIDTH, dim)
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(WIDTH, dim), nn.Linear(WIDTH, dim)
        self.sk = nn.Linear(WIDTH, dim) if state else None
        self.sv = nn.Linear(WIDTH, dim) if state else None
        self.o = nn.Linear(dim, dim)
        self.n1, self.n2 = nn.LayerNorm(dim, eps=1e-5), nn.LayerNorm(dim, eps=1e-5)
        self.f1, self.f2 = nn.Linear(dim, ffn), nn.Linear(ffn, dim)

    def forward(self, vision, language, mask, state=None):
        b = vision.shape[0]
        x = self.inp(language)
        k, v = self.k(vision), self.v(vision)
        if state is not None:
            k = torch.cat([k, self.sk(state)], 1)
            v = torch.cat([v, self.sv(state)], 1)
        split = lambda t: t.view(b, t.shape[1], self.heads, self.dh).transpose(1, 2)
        q, k, v = split(self.q(x)), split(k), split(v)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh), -1)
        ctx = (att @ v).transpose(1, 2).reshape(b, -1, self.heads * self.dh)
        h = self.n1(x + self.o(ctx))
        tokens = self.n2(h + self.f2(nn.functional.gelu(self.f1(h)))) * mask[..., None]
        return tokens.sum(1) / mask.sum(1, keepdim=True).clamp_min(1e-6), tokens


class Concat(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.p = nn.Linear(2 * WIDTH, dim)

    def forward(self, vision, language, mask):
        pl = (language * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp_min(1e-6)
        return (nn.functional.gelu(self.p(torch.cat([vision.mean(1), pl], 1))),)


class GruDecoder(nn.Module):
    """Same structure as the `gru` plugin: queries + fused per step, nn.GRU (reset_after form)."""

    def __init__(self, fused=64, hidden=128, chunk=8, query=32, actions=2):
        super().__init__()
        self.chunk = chunk
        self.init = nn.Linear(fused, hidden)
        self.queries = nn.Parameter(torch.randn(chunk, query) * 0.5)
        self.gru = nn.GRU(query + fused, hidden)
        self.head = nn.Linear(hidden, actions)
        self.done = nn.Linear(fused, 1)

    def forward(self, fused):
        b = fused.shape[0]
        x = torch.cat([self.queries[:, None].expand(-1, b, -1), fused[None].expand(self.chunk, -1, -1)], 2)
        y, _ = self.gru(x, torch.tanh(self.init(fused))[None])
        return self.head(y).transpose(0, 1), self.done(fused)


class Mlp(nn.Module):
    def __init__(self, inp, hidden, out):
        super().__init__()
        layers, w = [], inp
        for h in hidden:
            layers += [nn.Linear(w, h), nn.GELU()]
            w = h
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(w, out)

    def forward(self, x):
        return (self.out(self.body(x)),)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--samples", type=int, default=9)
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (tfjs uses one)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    b = a.batch
    vision, language = torch.rand(b, N, WIDTH) * 2 - 1, torch.rand(b, L, WIDTH) * 2 - 1
    mask = torch.tensor([[1.0 if i < 4 + s % 12 else 0.0 for i in range(L)] for s in range(b)])
    state = torch.rand(b, 1, WIDTH) * 2 - 1
    fused = torch.rand(b, 64) * 2 - 1
    cases = [
        ("cross-attention (dim 64, 4 heads, language queries)", CrossAttention(), (vision, language, mask)),
        ("cross-attention + state token", CrossAttention(state=True), (vision, language, mask, state)),
        ("concat (dim 128)", Concat(), (vision, language, mask)),
        ("gru (hidden 128, chunk 8)", GruDecoder(), (fused,)),
        ("mlp (hidden [128, 128], chunk 8)", Mlp(64, [128, 128], 17), (fused,)),
        ("state-mlp (2 -> [64] -> 64)", Mlp(2, [64], 64), (torch.rand(b, 2),)),
    ]

    def forward(m, inputs):
        with torch.no_grad():
            m(*inputs)

    def train(m, inputs):
        m.zero_grad()
        sum(o.square().mean() for o in m(*inputs)).backward()

    times = {name: ([], []) for name, _, _ in cases}
    for _, m, inputs in cases:
        forward(m, inputs)
        train(m, inputs)
    for _ in range(a.samples):
        for name, m, inputs in cases:
            t0 = time.perf_counter()
            forward(m, inputs)
            t1 = time.perf_counter()
            train(m, inputs)
            t2 = time.perf_counter()
            times[name][0].append((t1 - t0) * 1e3)
            times[name][1].append((t2 - t1) * 1e3)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    results = []
    print(f"torch {torch.__version__} ({a.threads} threads) stage timings, batch {b}, median of {a.samples} (ms)")
    for name, m, _ in cases:
        params = sum(p.numel() for p in m.parameters())
        fwd, step = med(times[name][0]), med(times[name][1])
        print(f"torch {name:52} params {params:7}  forward {fwd:8.2f}  train step {step:8.2f}")
        results.append({"backend": "torch", "stage": name, "batch": b, "params": params,
                        "forward_ms": round(fwd, 2), "train_step_ms": round(step, 2)})
    print(json.dumps({"benchmark": "stages-torch", "batch": b, "samples": a.samples, "threads": a.threads, "results": results}))


if __name__ == "__main__":
    main()
