#!/usr/bin/python3
"""PyTorch reference for `pnpm bench train`: the same models, sizes and optimizer as bench/train.mjs.

Run by bench/train.mjs as a worker (JSON lines on stdin/stdout) so vlakit and torch samples
interleave in one run. Use Debian's /usr/bin/python3 with python3-torch, OPENBLAS_NUM_THREADS=1,
torch.set_num_threads(2) (set here) and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset.

Commands: {"cmd": "setup", "model": "block"|"pipeline"|"real", "config": {...}} -> {"ok": true, "params": n}
          ("real": config["stages"] holds each stage's plugin and resolved config; see RealPipeline)
          {"cmd": "step", "model": ...} -> {"ms": x, "loss": y}
          {"cmd": "peak"} -> {"gflops": p}   (numpy/OpenBLAS fp32 matmul, 2048^3, best of 5)
          {"cmd": "info"} -> versions and threads
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_encoder_models import Bert, Vit

torch.set_num_threads(int(os.environ.get("VLAKIT_TORCH_THREADS", "2")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def gelu(x):
    return F.gelu(x)  # erf form (approximate='none'), as in vlakit


class Attention(nn.Module):
    """Multi-head attention; queries from x, keys/values from kv (self-attention when kv is x)."""

    def __init__(self, d, heads, d_kv=None):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d_kv or d, d)
        self.v = nn.Linear(d_kv or d, d)
        self.o = nn.Linear(d, d)

    def forward(self, x, kv, key_mask=None):
        b, t, d = x.shape
        s = kv.shape[1]
        hd = d // self.h
        q = self.q(x).view(b, t, self.h, hd).transpose(1, 2)  # (B, H, T, hd)
        k = self.k(kv).view(b, s, self.h, hd).transpose(1, 2)  # (B, H, S, hd)
        v = self.v(kv).view(b, s, self.h, hd).transpose(1, 2)  # (B, H, S, hd)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)  # (B, H, T, S)
        if key_mask is not None:
            att = att + (1.0 - key_mask)[:, None, None, :] * -1e9
        att = att.softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)  # (B, T, D)
        return self.o(y)


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(LN(x)), then + MLP(LN(.)) with erf GELU."""

    def __init__(self, d, heads, mlp):
        super().__init__()
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, mlp)
        self.fc2 = nn.Linear(mlp, d)

    def forward(self, x, key_mask=None):
        h = self.ln1(x)
        x = x + self.attn(h, h, key_mask)
        return x + self.fc2(gelu(self.fc1(self.ln2(x))))


class BlockModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block = Block(c["dim"], c["heads"], c["mlp"])

    def loss(self, batch):
        y = self.block(batch["x"])
        return ((y - batch["target"]) ** 2).mean()


class Pipeline(nn.Module):
    """Stand-in default pipeline: ViT + small BERT + cross-attention fusion + GRU action decoder."""

    def __init__(self, c):
        super().__init__()
        d, h, m = c["dim"], c["heads"], c["mlp"]
        p = c["patch"]
        self.c = c
        self.patch = nn.Linear(p * p * 3, d)
        self.vpos = nn.Parameter(torch.randn(c["patches"], d) * 0.02)
        self.vblocks = nn.ModuleList([Block(d, h, m) for _ in range(c["visionDepth"])])
        self.vln = nn.LayerNorm(d, eps=1e-5)
        self.emb = nn.Embedding(c["vocab"], d)
        self.lpos = nn.Parameter(torch.randn(c["textLength"], d) * 0.02)
        self.lln0 = nn.LayerNorm(d, eps=1e-5)
        self.lblocks = nn.ModuleList([Block(d, h, m) for _ in range(c["languageDepth"])])
        self.lln = nn.LayerNorm(d, eps=1e-5)
        self.fq = nn.LayerNorm(d, eps=1e-5)
        self.fkv = nn.LayerNorm(d, eps=1e-5)
        self.xattn = Attention(d, h)
        self.fln = nn.LayerNorm(d, eps=1e-5)
        self.ff1 = nn.Linear(d, m)
        self.ff2 = nn.Linear(m, d)
        self.h0 = nn.Linear(d, d)
        self.gru = nn.GRUCell(d, d)
        self.act = nn.Linear(d, c["actionDim"])
        self.done = nn.Linear(d, 1)

    def loss(self, batch):
        c = self.c
        img = batch["image"]  # (B, H, W, 3)
        b = img.shape[0]
        p = c["patch"]
        g = c["imageSize"] // p
        x = img.reshape(b, g, p, g, p, 3).permute(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * 3)  # (B, N, P)
        v = self.patch(x) + self.vpos  # (B, N, D)
        for blk in self.vblocks:
            v = blk(v)
        v = self.vln(v)
        mask = batch["mask"]  # (B, L)
        t = self.lln0(self.emb(batch["ids"]) + self.lpos)  # (B, L, D)
        for blk in self.lblocks:
            t = blk(t, mask)
        t = self.lln(t)
        f = t + self.xattn(self.fq(t), self.fkv(v))  # (B, L, D)
        f = f + self.ff2(gelu(self.ff1(self.fln(f))))
        fused = (f * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)  # (B, D)
        hid = torch.tanh(self.h0(fused))  # (B, D)
        actions = []
        for _ in range(c["chunk"]):
            hid = self.gru(fused, hid)
            actions.append(self.act(hid))  # (B, A)
        actions = torch.stack(actions, 1)  # (B, T, A)
        done = self.done(hid)  # (B, 1)
        return ((actions - batch["actions"]) ** 2).mean() + F.binary_cross_entropy_with_logits(done, batch["done"])


class RealPipeline(nn.Module):
    """The default `vla demo` pipeline: vit + bert + state-mlp + cross-attention (with the state
    token) + gru, built from the torch peers of the stage packages (bench/encoders_torch.py,
    bench/stages_torch.py). Loss as the trainer's: MSE(actions) + 0.1 * BCE(done).

    c["stages"] (from bench/train.mjs) holds each stage's plugin id and resolved config, keyed by
    kind (vision, language, state, fusion, decoder), so the peer follows the pipeline vlakit
    built, keypoint vit included; without it the sizes below are the old demo's."""

    PLUGINS = {"vision": "vit", "language": "bert", "state": "state-mlp", "fusion": "cross-attention", "decoder": "gru"}

    def __init__(self, c):
        super().__init__()
        import stages_torch as st  # bench/stages_torch.py (import-safe)

        stages = c.get("stages") or {}
        for kind, s in stages.items():
            if s["plugin"] != self.PLUGINS.get(kind):
                raise ValueError(f"no torch peer for the {kind} stage's plugin {s['plugin']!r}")
        v = stages.get("vision", {}).get("config", {})
        lang = stages.get("language", {}).get("config", {})
        state = stages.get("state", {}).get("config", {})
        fusion = stages.get("fusion", {}).get("config", {})
        dec = stages.get("decoder", {}).get("config", {})
        # options the torch peers do not mirror: stop rather than time another architecture
        fixed = [("language", lang, "typeVocabSize", 1), ("state", state, "activation", "gelu"),
                 ("fusion", fusion, "query", "language"), ("fusion", fusion, "activation", "gelu"),
                 ("decoder", dec, "stepInput", "both")]
        fixed += [("fusion", fusion, k, st.WIDTH) for k in ("visionDim", "languageDim", "stateDim")]
        for kind, cfg, key, want in fixed:
            if cfg.get(key, want) != want:
                raise ValueError(f"the torch peer of the {kind} stage only has {key} {want!r}, not {cfg[key]!r}")
        self.vit = Vit(d=v.get("dim", 64), depth=v.get("depth", 2), heads=v.get("heads", 4), mlp=v.get("mlpDim", 128),
                       p=v.get("patchSize", 8), size=v.get("imageSize", c["imageSize"]),
                       keypoints=v.get("keypoints", 0), keypoint_stride=v.get("keypointStride", 1),
                       keypoint_hidden=v.get("keypointHidden", 16), keypoint_frequencies=v.get("keypointFrequencies", 4),
                       patch_tokens=v.get("patchTokens", True))
        self.bert = Bert(vocab=lang.get("vocabSize", 140), d=lang.get("dim", 64), depth=lang.get("depth", 2),
                         heads=lang.get("heads", 4), mlp=lang.get("mlpDim", 256),
                         length=lang.get("maxPositions", c["textLength"]))
        self.state = st.Mlp(state.get("stateDim", 2), state.get("hidden", [64]), state.get("dim", 64))
        self.fusion = st.CrossAttention(dim=fusion.get("dim", 64), heads=fusion.get("heads", 4),
                                        ffn=fusion.get("ffnDim", 128), state=True)
        self.decoder = st.GruDecoder(fused=dec.get("fusedDim", 64), hidden=dec.get("hidden", 128),
                                     chunk=dec.get("chunk", c["chunk"]), query=dec.get("queryDim", 32),
                                     actions=dec.get("actionDim", c["actionDim"]))

    def loss(self, batch):
        vision = self.vit(batch["image"])  # (B, T, D): T = N+1, N+1+K or 1+K
        language = self.bert(batch["ids"], batch["mask"])  # (B, L, D)
        state = self.state(batch["state"])[0][:, None]  # (B, 1, D)
        fused, _ = self.fusion(vision, language, batch["mask"], state)  # (B, D)
        actions, done = self.decoder(fused)  # (B, T, A), (B, 1)
        return ((actions - batch["actions"]) ** 2).mean() + 0.1 * F.binary_cross_entropy_with_logits(done, batch["done"])


def make_batch(model, c, gen):
    b = c["batch"]
    if model == "block":
        return {"x": torch.randn(b, c["seq"], c["dim"], generator=gen),
                "target": torch.randn(b, c["seq"], c["dim"], generator=gen)}
    lengths = torch.randint(4, c["textLength"] + 1, (b,), generator=gen)
    mask = (torch.arange(c["textLength"])[None, :] < lengths[:, None]).float()
    if model == "real":
        return {"image": torch.rand(b, c["imageSize"], c["imageSize"], 3, generator=gen),
                "ids": torch.randint(1, 98, (b, c["textLength"]), generator=gen) * mask.long(),
                "mask": mask,
                "state": torch.rand(b, 2, generator=gen) * 2 - 1,
                "actions": torch.randn(b, c["chunk"], c["actionDim"], generator=gen) * 0.5,
                "done": (torch.rand(b, 1, generator=gen) < 0.2).float()}
    return {"image": torch.rand(b, c["imageSize"], c["imageSize"], 3, generator=gen),
            "ids": torch.randint(0, c["vocab"], (b, c["textLength"]), generator=gen),
            "mask": mask,
            "actions": torch.randn(b, c["chunk"], c["actionDim"], generator=gen) * 0.5,
            "done": (torch.rand(b, 1, generator=gen) < 0.2).float()}


models = {}


def handle(msg):
    cmd = msg["cmd"]
    if cmd == "info":
        return {"torch": torch.__version__, "threads": torch.get_num_threads(), "numpy": np.__version__}
    if cmd == "peak":
        n = int(msg.get("n", 2048))
        a = np.random.rand(n, n).astype(np.float32)
        bm = np.random.rand(n, n).astype(np.float32)
        best = float("inf")
        for _ in range(int(msg.get("repeats", 5))):
            t0 = time.perf_counter()
            a @ bm
            best = min(best, time.perf_counter() - t0)
        return {"gflops": 2 * n ** 3 / best / 1e9}
    if cmd == "setup":
        torch.manual_seed(0)
        c = msg["config"]
        net = {"block": BlockModel, "pipeline": Pipeline, "real": RealPipeline}[msg["model"]](c)
        opt = torch.optim.AdamW(net.parameters(), lr=c["lr"], weight_decay=c["weightDecay"])
        batch = make_batch(msg["model"], c, torch.Generator().manual_seed(1))
        models[msg["model"]] = (net, opt, batch)
        return {"ok": True, "params": sum(p.numel() for p in net.parameters())}
    if cmd == "step":
        net, opt, batch = models[msg["model"]]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = net.loss(batch)
        loss.backward()
        opt.step()
        value = loss.item()
        return {"ms": (time.perf_counter() - t0) * 1000, "loss": value}
    raise ValueError(f"unknown command {cmd!r}")


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            reply = handle(json.loads(line))
        except Exception as e:  # reported to the node side, which stops with the message
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
