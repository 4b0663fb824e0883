#!/usr/bin/python3
"""Writes carnival-mask.png, the face-paint image shipped as the default for pattern "image".

A domino eye mask drawn here (our own, CC0-clean): two rounded lobes over the eyes joined over
the nose, eye holes, a violet-to-gold gradient with a thin light rim. The image is laid over the
face box (the matte's roi), top row at the top of the box, so the eyes sit at about 42 % height.

Usage: /usr/bin/python3 scripts/assets/make_facepaint_mask.py  (writes assets/facepaint/carnival-mask.png)
"""
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

S = 256


def main():
    shape = Image.new('L', (S, S), 0)
    d = ImageDraw.Draw(shape)
    d.ellipse([0.20 * S, 0.33 * S, 0.50 * S, 0.53 * S], fill=255)
    d.ellipse([0.50 * S, 0.33 * S, 0.80 * S, 0.53 * S], fill=255)
    d.rectangle([0.40 * S, 0.35 * S, 0.60 * S, 0.45 * S], fill=255)
    holes = Image.new('L', (S, S), 0)
    h = ImageDraw.Draw(holes)
    h.ellipse([0.29 * S, 0.395 * S, 0.43 * S, 0.465 * S], fill=255)
    h.ellipse([0.57 * S, 0.395 * S, 0.71 * S, 0.465 * S], fill=255)
    mask = np.asarray(shape, np.float32) * (1 - np.asarray(holes, np.float32) / 255)
    soft = np.asarray(Image.fromarray(mask.astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5)), np.float32)
    rim = np.clip(soft - np.asarray(Image.fromarray(mask.astype(np.uint8)).filter(ImageFilter.MinFilter(5)), np.float32), 0, 255) / 255

    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) / S
    t = np.clip((xx - 0.2) / 0.6, 0, 1)[..., None]
    violet, gold = np.array([0.45, 0.10, 0.62]), np.array([0.95, 0.72, 0.20])
    rgb = violet * (1 - t) + gold * t
    rgb = rgb * (1 - rim[..., None]) + np.array([1.0, 0.95, 0.85]) * rim[..., None]
    rgba = np.dstack([np.clip(rgb * 255, 0, 255), soft]).astype(np.uint8)
    Image.fromarray(rgba, 'RGBA').save(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'assets', 'facepaint', 'carnival-mask.png'), optimize=True)


if __name__ == '__main__':
    main()
