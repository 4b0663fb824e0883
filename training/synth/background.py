"""Backgrounds behind the placed face: another photo's own background, a room-like scene, or a
procedural texture."""
from __future__ import annotations

import numpy as np

from .. import textures as T


def background(bank, idx, S, rng):
    u = rng.random()
    if u < 0.35:  # another photo's own background, zoomed and defocused
        for _ in range(4):
            d = int(rng.integers(bank.n))
            z = int(rng.integers(48, 160))
            src = bank.src
            corners = [(0, 0), (src - z, 0), (0, src - z // 2), (src - z, src - z // 2)]
            x0, y0 = corners[int(rng.integers(4))]
            y0 = min(y0, src - z)
            if (bank.labs[d][y0:y0 + z, x0:x0 + z] == 0).mean() > 0.85:
                t = T.resize_float(bank.imgs[d][y0:y0 + z, x0:x0 + z].astype(np.float32) / 255, S, S)
                return T.gaussian(t, rng.uniform(1, 6))
    if u < 0.75:  # room-like: wall gradient + defocused furniture / windows
        t = T.texture(rng, S, S, "gradient" if rng.random() < 0.6 else "noise")
        c = T.Canvas(S, S, 1, mode="RGB")
        for _ in range(int(rng.integers(2, 8))):
            x0, y0 = rng.uniform(-0.2, 1, 2) * S
            w, h = rng.uniform(0.1, 0.7, 2) * S
            c.polygon([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)], T.rand_color(rng) * 255)
        shapes = c.result()
        m = (shapes.sum(-1) > 0).astype(np.float32)
        t = shapes * m[..., None] + t * (1 - m[..., None])
        return np.clip(T.gaussian(t, rng.uniform(0.5, 5)), 0, 1)
    return T.gaussian(T.texture(rng, S, S), rng.uniform(0, 3))
