#!/usr/bin/python3
"""Builds assets/sample/sample.mp4, the clip `facemat run` plays by default.

Source picture: scikit-image's `astronaut` (Eileen Collins, NASA; public domain), shipped by
Debian's python3-skimage. It is animated with a slow head motion (sway, nod, zoom) and a
procedural skin-coloured hand that sweeps across the face and back, so a viewer sees the filter
stay on the skin while the hand covers it. Deterministic: same output for the same packages.

Usage: /usr/bin/python3 scripts/assets/make_sample_clip.py [OUT.mp4] [--size 1280x720] [--seconds 6]
"""
import argparse
import math
import subprocess

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from skimage import data


def hand_layer(size, angle_deg):
    """RGBA hand: palm plus four fingers and a thumb, soft edges, shaded skin tone."""
    w, h = size
    mask = Image.new('L', (w, h), 0)
    d = ImageDraw.Draw(mask)
    cx, cy = w * 0.5, h * 0.62
    palm_w, palm_h = w * 0.42, h * 0.36
    d.rounded_rectangle([cx - palm_w / 2, cy - palm_h / 2, cx + palm_w / 2, cy + palm_h / 2], radius=int(w * 0.12), fill=255)
    finger_w = palm_w / 4.3
    lengths = [0.30, 0.36, 0.34, 0.27]
    for i, length in enumerate(lengths):
        x0 = cx - palm_w / 2 + i * (palm_w / 4) + palm_w / 40
        top = cy - palm_h / 2 - h * length
        d.rounded_rectangle([x0, top, x0 + finger_w, cy], radius=int(finger_w / 2), fill=255)
    # thumb, angled out to the side
    thumb = Image.new('L', (w, h), 0)
    td = ImageDraw.Draw(thumb)
    td.rounded_rectangle([cx + palm_w * 0.35, cy - h * 0.02, cx + palm_w * 0.35 + finger_w * 1.1, cy + h * 0.26], radius=int(finger_w / 2), fill=255)
    thumb = thumb.rotate(35, center=(cx + palm_w * 0.4, cy + h * 0.2))
    mask = Image.fromarray(np.maximum(np.asarray(mask), np.asarray(thumb)))
    # wrist/forearm leaving the frame at the bottom
    d = ImageDraw.Draw(mask)
    d.rectangle([cx - palm_w * 0.38, cy, cx + palm_w * 0.38, h], fill=255)
    mask = mask.rotate(angle_deg, center=(cx, h * 0.9), resample=Image.BILINEAR)
    mask = mask.filter(ImageFilter.GaussianBlur(1.5))

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 0.85 + 0.15 * np.cos((xx / w - 0.5) * math.pi)  # rounder in the middle
    base = np.array([224, 172, 138], np.float32)
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    rgb = np.clip(base[None, None, :] * shade[..., None] + noise, 0, 255).astype(np.uint8)
    return np.dstack([rgb, np.asarray(mask)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out', nargs='?', default='assets/sample/sample.mp4')
    ap.add_argument('--size', default='1280x720')
    ap.add_argument('--seconds', type=float, default=6.0)
    ap.add_argument('--fps', type=int, default=30)
    args = ap.parse_args()
    W, H = (int(v) for v in args.size.split('x'))
    n = int(args.seconds * args.fps)

    # head and shoulders, cropped so the face fills the frame as in a video call
    portrait = Image.fromarray(data.astronaut()).crop((90, 0, 410, 320))
    # background: soft studio gradient
    gy, gx = np.mgrid[0:H, 0:W].astype(np.float32)
    bg = np.stack([60 + 40 * gx / W, 70 + 30 * gy / H, 90 + 50 * (1 - gx / W)], -1).astype(np.uint8)
    background = Image.fromarray(bg)
    side = portrait.size[0]
    feather = Image.new('L', (side, side), 0)
    ImageDraw.Draw(feather).rounded_rectangle([8, 8, side - 8, side - 8], radius=60, fill=255)
    feather = feather.filter(ImageFilter.GaussianBlur(12))

    hand_size = (int(H * 0.55), int(H * 0.75))
    ff = subprocess.Popen(
        ['ffmpeg', '-y', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{W}x{H}', '-r', str(args.fps), '-i', '-',
         '-c:v', 'libx264', '-preset', 'slow', '-crf', '24', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', args.out],
        stdin=subprocess.PIPE)
    for i in range(n):
        t = i / args.fps
        scale = H * 1.1 / side * (1 + 0.06 * math.sin(t * 0.9))
        angle = 4 * math.sin(t * 1.3)
        size = int(side * scale)
        face = portrait.resize((size, size), Image.BICUBIC).rotate(angle, resample=Image.BICUBIC)
        fmask = feather.resize((size, size), Image.BILINEAR).rotate(angle, resample=Image.BILINEAR)
        frame = background.copy()
        x = int(W / 2 - size / 2 + W * 0.04 * math.sin(t * 1.1))
        y = int(H * 0.02 + H * 0.02 * math.sin(t * 1.7))
        frame.paste(face, (x, y), fmask)
        # the hand enters from the right at 1.5 s, covers the face around 3 s, leaves by 5 s
        phase = (t - 1.5) / 3.5
        if 0 <= phase <= 1:
            hx = int(W * (1.08 - 0.6 * math.sin(phase * math.pi)) - hand_size[0] / 2)
            hy = int(H * 0.16 + H * 0.04 * math.sin(phase * 6))
            hand = Image.fromarray(hand_layer(hand_size, -20 + 25 * phase), 'RGBA')
            frame.paste(hand, (hx, hy), hand)
        ff.stdin.write(np.asarray(frame, np.uint8).tobytes())
    ff.stdin.close()
    if ff.wait() != 0:
        raise SystemExit('ffmpeg failed')


if __name__ == '__main__':
    main()
