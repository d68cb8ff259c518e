#!/usr/bin/env python3
"""PyTorch eager peer for bench/latency.mjs.

Runs an exported vlakit model.onnx op by op with torch functions in eager mode (one torch call
per ONNX node, weights as torch tensors, torch.inference_mode), which is how a hand-written
nn.Module executes too. Prints one JSON line with the max abs difference to the reference
outputs in the feeds folder (onnxruntime's), so the peer is checked, then times runs on request.

usage: latency_torch.py MODEL.onnx FEEDS_DIR --batches 1,32 --threads 1
FEEDS_DIR/manifest.json maps "b<batch>_<input>" and "b<batch>_out_<output>" to
{"file", "dtype", "shape"} of raw little-endian arrays written by latency.mjs.
"""
import argparse, json, os, sys, time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("feeds")
p.add_argument("--batches", default="1,32")
p.add_argument("--threads", type=int, default=1)
args = p.parse_args()
torch.set_num_threads(args.threads)

model = onnx.load(args.model)
g = model.graph
consts = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
DT = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def ints(t):
    return [int(v) for v in t.tolist()]


def reduce(fn):
    def run(a, x, axes=None):
        ax = a.get("axes", None) if axes is None else ints(axes)
        keep = bool(a.get("keepdims", 1))
        if ax is None:
            ax = list(range(x.dim()))
        return fn(x, dim=ax, keepdim=keep)
    return run


def gru(a, x, w, r, b=None, seq_lens=None, h0=None):
    # ONNX GRU, forward, linear_before_reset per attribute, gates z, r, h
    h_size = a["hidden_size"]
    lbr = a.get("linear_before_reset", 0)
    w, r = w[0], r[0]
    b = b[0] if b is not None else torch.zeros(6 * h_size)
    wb, rb = b[: 3 * h_size], b[3 * h_size:]
    h = h0[0] if h0 is not None else torch.zeros(x.shape[1], h_size)
    ys = []
    for t in range(x.shape[0]):
        gx = x[t] @ w.T + wb
        xz, xr, xh = gx.split(h_size, dim=1)
        rz, rr, rh = r.split(h_size, dim=0)
        bz, br, bh = rb.split(h_size)
        z = torch.sigmoid(xz + h @ rz.T + bz)
        rg = torch.sigmoid(xr + h @ rr.T + br)
        if lbr:
            hh = torch.tanh(xh + rg * (h @ rh.T + bh))
        else:
            hh = torch.tanh(xh + (rg * h) @ rh.T + bh)
        h = (1 - z) * hh + z * h
        ys.append(h)
    y = torch.stack(ys, 0).unsqueeze(1)
    return y, h.unsqueeze(0)


def slice_(a, x, starts, ends, axes=None, steps=None):
    idx = [slice(None)] * x.dim()
    axes = ints(axes) if axes is not None else list(range(len(starts)))
    steps = ints(steps) if steps is not None else [1] * len(axes)
    for s, e, ax, st in zip(ints(starts), ints(ends), axes, steps):
        idx[ax] = slice(s, min(e, 2**62), st)
    return x[tuple(idx)]


OPS = {
    "MatMul": lambda a, x, y: torch.matmul(x, y),
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: x / y,
    "Pow": lambda a, x, y: torch.pow(x, y),
    "Max": lambda a, *xs: torch.maximum(*xs),
    "Min": lambda a, *xs: torch.minimum(*xs),
    "Neg": lambda a, x: -x,
    "Abs": lambda a, x: x.abs(),
    "Sqrt": lambda a, x: x.sqrt(),
    "Reciprocal": lambda a, x: x.reciprocal(),
    "Exp": lambda a, x: x.exp(),
    "Log": lambda a, x: x.log(),
    "Tanh": lambda a, x: torch.tanh(x),
    "Sigmoid": lambda a, x: torch.sigmoid(x),
    "Relu": lambda a, x: torch.relu(x),
    "Erf": lambda a, x: torch.erf(x),
    "Identity": lambda a, x: x,
    "Softmax": lambda a, x: torch.softmax(x, dim=a.get("axis", -1)),
    "ReduceMean": reduce(torch.mean),
    "ReduceSum": lambda a, x, axes=None: reduce(torch.sum)(a, x, axes),
    "ReduceMax": reduce(lambda x, dim, keepdim: torch.amax(x, dim=dim, keepdim=keepdim)),
    "Reshape": lambda a, x, s: x.reshape([x.shape[i] if v == 0 else v for i, v in enumerate(ints(s))]),
    "Transpose": lambda a, x: x.permute(*a["perm"]),
    "Gather": lambda a, x, i: torch.index_select(x, a.get("axis", 0), i.reshape(-1).long()).reshape(
        list(x.shape[: a.get("axis", 0)]) + list(i.shape) + list(x.shape[a.get("axis", 0) + 1:])),
    "Concat": lambda a, *xs: torch.cat(xs, dim=a["axis"]),
    "Unsqueeze": lambda a, x, axes: _unsqueeze(x, ints(axes)),
    "Squeeze": lambda a, x, axes=None: x.squeeze() if axes is None else _squeeze(x, ints(axes)),
    "Tile": lambda a, x, r: x.repeat(*ints(r)),
    "Expand": lambda a, x, s: x.expand(*torch.broadcast_shapes(tuple(x.shape), tuple(ints(s)))),
    "Cast": lambda a, x: x.to(DT[a["to"]]),
    "Shape": lambda a, x: torch.tensor(list(x.shape)[a.get("start", 0): a.get("end", None)], dtype=torch.int64),
    "Slice": slice_,
    "Split": lambda a, x, s=None: torch.split(x, ints(s) if s is not None else 1, dim=a.get("axis", 0)),
    "Where": lambda a, c, x, y: torch.where(c, x, y),
    "Equal": lambda a, x, y: x == y,
    "Greater": lambda a, x, y: x > y,
    "Less": lambda a, x, y: x < y,
    "Not": lambda a, x: ~x,
    "GRU": gru,
    "Conv": lambda a, x, w, b=None: torch.nn.functional.conv2d(x, w, b, stride=a.get("strides", [1, 1]),
                                                              padding=0 if a.get("auto_pad", b"VALID") in (b"VALID", "VALID") else "same"),
    "ConstantOfShape": lambda a, s: torch.full(ints(s), float(numpy_helper.to_array(a["value"])[0])),
}


def _unsqueeze(x, axes):
    for ax in sorted(a if a >= 0 else a + x.dim() + len(axes) for a in axes):
        x = x.unsqueeze(ax)
    return x


def _squeeze(x, axes):
    for ax in sorted((a if a >= 0 else a + x.dim() for a in axes), reverse=True):
        x = x.squeeze(ax)
    return x


missing = sorted({n.op_type for n in g.node if n.op_type not in OPS})
if missing:
    sys.exit(f"latency_torch.py has no torch mapping for ONNX ops {missing}")
plan = [(OPS[n.op_type], attrs(n), list(n.input), list(n.output)) for n in g.node]
outputs = [o.name for o in g.output]


def forward(feeds):
    env = dict(consts)
    env.update(feeds)
    for fn, a, ins, outs in plan:
        r = fn(a, *[env[i] if i else None for i in ins])
        if isinstance(r, (tuple, list)):
            for k, o in enumerate(outs):
                env[o] = r[k]
        else:
            env[outs[0]] = r
    return [env[o] for o in outputs]


manifest = json.load(open(os.path.join(args.feeds, "manifest.json")))
data = {k: np.fromfile(os.path.join(args.feeds, v["file"]), dtype=v["dtype"]).reshape(v["shape"]) for k, v in manifest.items()}
inputs = {}
with torch.inference_mode():
    diffs = {}
    for b in [int(x) for x in args.batches.split(",")]:
        feeds = {i.name: torch.from_numpy(data[f"b{b}_{i.name}"]) for i in g.input}
        ref = [data[f"b{b}_out_{o}"] for o in outputs]
        out = forward(feeds)
        diffs[b] = max(float(np.abs(o.numpy() - r).max()) for o, r in zip(out, ref))
        for _ in range(3):
            forward(feeds)
        inputs[b] = feeds
    print(json.dumps({"torch": torch.__version__, "threads": args.threads,
                      "max_abs_diff_vs_ort": {str(b): d for b, d in diffs.items()}}), flush=True)
    # serve timing requests, one per line: "<batch> <runs>" -> {"ms": [...]}; so the caller can
    # interleave torch with the other runtimes (a loaded machine then slows all of them alike)
    for line in sys.stdin:
        b, n = (int(x) for x in line.split())
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            forward(inputs[b])
            times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"ms": times}), flush=True)
