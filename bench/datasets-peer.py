"""NumPy peer of `pnpm bench datasets`: the same batch (B=64, T=8, 64x64 frames in memory as
uint8) assembled with vectorised NumPy: gather + /255, action chunk with mask, edge-padded random
shift (np.pad + crop) and colour jitter. Prints JSON medians in ms."""
import json, sys, time
import numpy as np

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
size, B, T, A, S, K, ep_len = 64, 64, 8, 2, 2, 4, 50
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8)
actions = rng.standard_normal((frames, A)).astype(np.float32)
states = rng.standard_normal((frames, S)).astype(np.float32)
ep_end = (np.arange(frames) // ep_len + 1) * ep_len
ep_end = np.minimum(ep_end, frames)
grey_w = np.array([0.299, 0.587, 0.114], np.float32)

def batch(augment):
    idx = rng.integers(0, frames, B)
    img = images[idx].astype(np.float32) / 255.0  # (B, H, W, 3)
    steps = idx[:, None] + np.arange(T)[None, :]  # (B, T)
    mask = steps < ep_end[idx][:, None]
    act = np.where(mask[..., None], actions[np.minimum(steps, frames - 1)], 0.0).astype(np.float32)
    st = states[idx]
    if augment:
        padded = np.pad(img, ((0, 0), (K, K), (K, K), (0, 0)), mode="edge")
        oy = rng.integers(0, 2 * K + 1, B)
        ox = rng.integers(0, 2 * K + 1, B)
        img = np.stack([padded[b, oy[b]:oy[b] + size, ox[b]:ox[b] + size] for b in range(B)])
        bf = rng.uniform(0.8, 1.2, (B, 1, 1, 1)).astype(np.float32)
        cf = rng.uniform(0.8, 1.2, (B, 1, 1, 1)).astype(np.float32)
        sf = rng.uniform(0.8, 1.2, (B, 1, 1, 1)).astype(np.float32)
        img = np.clip(img * bf, 0, 1)
        m = (img @ grey_w).mean(axis=(1, 2))[:, None, None, None]
        img = np.clip((img - m) * cf + m, 0, 1)
        g = (img @ grey_w)[..., None]
        img = np.clip((img - g) * sf + g, 0, 1)
    return img, st, act, mask

def median_ms(augment, n=200):
    for _ in range(10):
        batch(augment)
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        batch(augment)
        ts.append((time.perf_counter() - t) * 1000)
    return round(float(np.median(ts)), 2)

print(json.dumps({"numpy": np.__version__, "batch64_ms_median": median_ms(False), "batch64_augmented_ms_median": median_ms(True)}))
