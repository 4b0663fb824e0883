"""Webcam-like photometric degradations of the finished composite (colour, light, low-res
sensor, blur, noise, JPEG); the target is left as it is."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from .. import textures as T


def photometric(img, rng, cfg):
    """Webcam-like degradations on the final frame (the target is unchanged)."""
    S = img.shape[0]
    x = img
    if rng.random() < 0.9:
        x = x * rng.uniform(0.88, 1.12, 3)  # white balance
        x = x * rng.uniform(0.6, 1.3)
        mu = x.mean()
        x = (x - mu) * rng.uniform(0.7, 1.2) + mu
        g = x.mean(-1, keepdims=True)
        x = g + (x - g) * rng.uniform(0.6, 1.3)
        x = np.clip(x, 0, 1) ** rng.uniform(0.75, 1.35)
    if rng.random() < 0.35:  # directional light
        th = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) / S - 0.5
        x = x * (1 + rng.uniform(0.1, 0.6) * (xx * np.cos(th) + yy * np.sin(th)))[..., None]
    x = np.clip(x, 0, 1)
    if rng.random() < 0.2:  # low-resolution sensor
        f = rng.uniform(0.35, 0.8)
        im = Image.fromarray((x * 255).astype(np.uint8)).resize((max(8, int(S * f)),) * 2, Image.BILINEAR)
        x = np.asarray(im.resize((S, S), Image.BILINEAR), np.float32) / 255
    if rng.random() < 0.3:
        x = T.gaussian(x, rng.uniform(0.3, 1.4))
    if rng.random() < 0.08:
        x = T.motion_blur(x, rng.uniform(2, 5), rng.uniform(0, np.pi))
    if rng.random() < 0.6:
        x = x + rng.standard_normal(x.shape, dtype=np.float32) * np.float32(rng.uniform(0.5, 7) / 255)
        if rng.random() < 0.3:  # low-frequency chroma noise
            x = x + (T.value_noise(rng, S, S, 3, 3) - 0.5) * rng.uniform(0.01, 0.04)
    x = (np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8)
    if rng.random() < 0.5:
        buf = io.BytesIO()
        Image.fromarray(x).save(buf, format="JPEG", quality=int(rng.integers(30, 96)))
        x = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return x
