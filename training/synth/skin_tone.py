"""Skin tone: recolour a training face's skin to another tone before it is composited.

Why: of the 722 training faces only 7 have a mean skin luminance under 0.3, and a student trained
without this drops dark-skinned faces whole or in part (0.5.0: IoU 0.37 and 0.56 on two
validation photos of dark-skinned men; 0.862 instead of 0.938 on the clean validation photos
with their skin recoloured to luminance 0.2, `training.realocc --tone 0.2`).
Recolouring the person's own labelled skin (face, ears, neck, lips) keeps the real geometry,
texture and shading of the photo and only moves its tone. The hands that take "own" skin read
the recoloured patch (placement.Ctx.info), so a hand still matches its face.

The change is a per-channel gain in linear light, feathered at the edges of the skin labels:
a target sRGB luminance is drawn for the skin, and darker targets shift the hue toward the
red-brown of darker skin (green and blue fall more than red).

Synth config key "tone": {"p": probability per composite, "lum": [lo, hi] target skin
luminance in sRGB}. Without it nothing is drawn and every output stays bit for bit.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from .faces import skin_stats

# skin, nose, l_ear, r_ear, u_lip, l_lip, neck (data.py's label order)
SKIN_CLASSES = (1, 2, 8, 9, 11, 12, 17)
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def to_linear(x):
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def to_srgb(x):
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def draw_gains(rng, skin_mean_srgb, lum=(0.12, 0.75)):
    """Per-channel linear-light gains that move a skin of mean colour skin_mean_srgb (RGB in
    [0,1]) to a target luminance drawn from lum; darker targets are redder."""
    cur = float(to_linear(np.asarray(skin_mean_srgb, np.float32)) @ LUMA)
    target_srgb = rng.uniform(*lum)
    target = float(to_linear(np.float32(target_srgb)))
    dark = float(np.clip((0.6 - target_srgb) / 0.45, 0, 1))  # 0 for light targets, 1 for the darkest
    green = 1 - dark * rng.uniform(0.05, 0.3)
    tilt = np.array([1.0, green, green * (1 - dark * rng.uniform(0.1, 0.3))], np.float32)
    tilt /= float(tilt @ LUMA)  # the tilt keeps the luminance: the gain alone sets it
    return (target / max(cur, 1e-4) * tilt).astype(np.float32)


def feathered(mask: np.ndarray, feather_px: float) -> np.ndarray:
    """HxW float in [0,1]: a boolean mask blurred so that no seam shows where a recolouring
    weighted by it ends."""
    m = Image.fromarray((mask * 255).astype(np.uint8))
    return np.asarray(m.filter(ImageFilter.GaussianBlur(feather_px)), np.float32) / 255


def skin_weight(lab: np.ndarray, feather_px: float = 1.5) -> np.ndarray:
    """HxW float in [0,1]: the skin labels, feathered."""
    return feathered(np.isin(lab, SKIN_CLASSES), feather_px)


def recolour(img_u8: np.ndarray, weight: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """img_u8 HxWx3 uint8, weight HxW (1 = skin) -> uint8 with the skin's linear light x gains."""
    lin = to_linear(img_u8.astype(np.float32) / 255)
    g = 1 + weight[..., None] * (gains - 1)
    return (to_srgb(lin * g) * 255 + 0.5).astype(np.uint8)


def tone_face(img_u8: np.ndarray, lab: np.ndarray, info: dict, gains: np.ndarray):
    """The face photo and its bank info with the skin recoloured: (image uint8, info dict)."""
    img = recolour(img_u8, skin_weight(lab), gains)
    out = dict(info)
    patch = info["skin_patch"]
    out["skin_patch"] = recolour(patch, np.ones(patch.shape[:2], np.float32), gains)
    st = skin_stats(img, lab)
    if st is None:  # too little labelled skin to measure: move the old statistics by the gains
        mean = to_srgb(to_linear(info["skin_mean"]) * gains)
        st = mean, info["skin_std"] * mean / np.maximum(info["skin_mean"], 1e-3)
    out["skin_mean"], out["skin_std"] = (np.asarray(v, np.float32) for v in st)
    return img, out
