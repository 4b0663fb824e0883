#!/usr/bin/python3
"""Reference face matte for one frame of assets/sample/sample.mp4, for the README pictures.

Not the model's output: until the trained FaceMat student is in, the pictures use this matte,
built from what the clip's generator (scripts/assets/make_sample_clip.py) knows. The face skin
of the astronaut portrait is found once (skin colour inside a face ellipse, holes such as eyes
and lips filled), moved, scaled and rotated exactly as the generator moves the portrait at that
time, and multiplied by (1 - the generator's hand alpha), so the hand is an occluder with its
true soft edge. The result is written at 256x256 over a face box (roi) like the model's matte.

Usage: /usr/bin/python3 scripts/readme-pictures/reference_matte.py TIME OUT_DIR
Writes OUT_DIR/matte.f32 (256*256 float32, row-major) and OUT_DIR/matte.json ({"roi": ...}).
"""
import importlib.util
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage
from skimage import data

W, H, FPS, MATTE = 1280, 720, 30, 256
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


def generator():
    spec = importlib.util.spec_from_file_location('clip', os.path.join(ROOT, 'scripts', 'assets', 'make_sample_clip.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def portrait_skin(portrait):
    """Face skin of the portrait as float alpha: skin colour (YCbCr) inside a face ellipse."""
    a = np.asarray(portrait).astype(np.float32)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cr = (r - y) * 0.713 + 128
    cb = (b - y) * 0.564 + 128
    yy, xx = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    ellipse = ((xx - 134) / 47) ** 2 + ((yy - 126) / 64) ** 2 <= 1
    skin = (cr > 140) & (cr < 178) & (cb > 80) & (cb < 122) & (y > 70) & ellipse
    skin = ndimage.binary_opening(skin, iterations=1)
    labels, n = ndimage.label(skin)
    skin = labels == 1 + np.argmax(ndimage.sum(skin, labels, range(1, n + 1)))
    skin = ndimage.binary_fill_holes(ndimage.binary_closing(skin, iterations=3))
    return Image.fromarray((skin * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2))


def frame_matte(t, clip):
    """Full-frame alpha at time t, mirroring the placement code of make_sample_clip.main()."""
    portrait = Image.fromarray(data.astronaut()).crop((90, 0, 410, 320))
    side = portrait.size[0]
    feather = Image.new('L', (side, side), 0)
    ImageDraw.Draw(feather).rounded_rectangle([8, 8, side - 8, side - 8], radius=60, fill=255)
    feather = feather.filter(ImageFilter.GaussianBlur(12))
    skin = portrait_skin(portrait)

    scale = H * 1.1 / side * (1 + 0.06 * math.sin(t * 0.9))
    angle = 4 * math.sin(t * 1.3)
    size = int(side * scale)
    face = skin.resize((size, size), Image.BILINEAR).rotate(angle, resample=Image.BILINEAR)
    fmask = feather.resize((size, size), Image.BILINEAR).rotate(angle, resample=Image.BILINEAR)
    x = int(W / 2 - size / 2 + W * 0.04 * math.sin(t * 1.1))
    y = int(H * 0.02 + H * 0.02 * math.sin(t * 1.7))
    layer = Image.new('L', (W, H), 0)
    layer.paste(Image.fromarray((np.asarray(face, np.float32) * np.asarray(fmask, np.float32) / 255).astype(np.uint8)), (x, y))
    alpha = np.asarray(layer, np.float32) / 255

    hand = clip.hand_at(t, W, H, FPS)  # the 3-D hand's own coverage alpha (motion-blurred as in the clip)
    if hand is not None:
        alpha = alpha * (1 - hand[1])
    return alpha


def main():
    t = round(float(sys.argv[1]) * FPS) / FPS
    out = sys.argv[2]
    alpha = frame_matte(t, generator())
    ys, xs = np.nonzero(alpha > 0.5)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    half = max(xs.max() - xs.min(), ys.max() - ys.min()) * 0.6
    roi = {'x': float(cx - half), 'y': float(cy - half), 'width': float(2 * half), 'height': float(2 * half)}
    box = (roi['x'], roi['y'], roi['x'] + roi['width'], roi['y'] + roi['height'])
    small = Image.fromarray(alpha, 'F').resize((MATTE, MATTE), Image.BOX, box=box)
    os.makedirs(out, exist_ok=True)
    np.clip(np.asarray(small, np.float32), 0, 1).astype('<f4').tofile(os.path.join(out, 'matte.f32'))
    with open(os.path.join(out, 'matte.json'), 'w') as f:
        json.dump({'time': t, 'roi': roi, 'width': MATTE, 'height': MATTE}, f)


if __name__ == '__main__':
    main()
