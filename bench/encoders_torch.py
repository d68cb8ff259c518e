#!/usr/bin/python3
"""The torch peer of bench/encoders.mjs: the default vit and bert architectures (same sizes, pre-LN /
post-LN, erf GELU, Adam), median train-step time in ms. Args: batch steps. Prints one JSON line."""
import json
import sys
import time

import torch
from torch_encoder_models import Bert, Vit

torch.set_num_threads(2)
torch.manual_seed(0)
batch, steps = int(sys.argv[1]), int(sys.argv[2])


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
