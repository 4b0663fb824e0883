#!/usr/bin/python3
"""Builds assets/sample/sample.mp4, the clip `facemat run` plays by default.

Sources:
- Portrait: scikit-image's `astronaut` (Eileen Collins, NASA; public domain), shipped by Debian's
  python3-skimage, animated with a slow head motion (sway, nod, zoom).
- Hand: the skinned WebXR generic hand (left.glb) of @webxr-input-profiles/assets 1.0.20 (MIT,
  Copyright (c) 2019 Amazon), the mesh the training synthesis uses;
  `bash training/fetch_hand_assets.sh` fetches it into the ignored .data/hand-assets/ (or point
  HAND_ASSETS at a copy). It is posed through its joints, skinned, lit from the portrait's key
  light and rasterised by training/synth/hand3d.py, with a procedural skin texture in the
  portrait's skin tone, nails and a forearm that leaves the frame at the bottom right.

The subject's left hand enters from the right at 1.5 s, its fingers gently curled, opens as it
passes in front of the lower face (fingers over the cheek and mouth, skin visible between them,
a soft shadow on the face) around 3 s, curls again and leaves by 5 s; its position, turn and
pose are smooth functions of time, with motion blur along its path. Deterministic: same output
for the same packages (fixed seeds, no randomness per run).

Usage (from anywhere): /usr/bin/python3 scripts/assets/make_sample_clip.py [OUT.mp4] [--size 1280x720] [--seconds 6]
scripts/readme-pictures/reference_matte.py imports hand_at() for the hand's exact alpha.
"""
import argparse
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from skimage import data

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from training import textures as T  # noqa: E402
from training.synth import hand3d  # noqa: E402

HAND_START, HAND_END = 1.5, 5.0  # seconds
# camera of the hand layer: pinhole with the principal point at the frame centre
FOCAL_PER_H = 1.6  # focal length in frame heights (a webcam's ~60 degree horizontal view)
# toward the portrait's key light (camera space: x right, y down, z away from the camera)
LIGHT = hand3d._unit([-0.35, -0.45, -1.0])


def need_hand_assets():
    if not hand3d.available():
        raise SystemExit(f'make_sample_clip: the 3-D hand mesh is missing ({hand3d.asset_path("left")}).\n'
                         'Fetch it with `bash training/fetch_hand_assets.sh` (or set HAND_ASSETS to a folder '
                         'holding generic-hand/left.glb and right.glb), then run this again.')


def skin_texture(size=1024, seed=11):
    """Procedural skin in the portrait's own cheek tone, a little ruddier as hands are: soft
    blotches, fine mottling and pores. -> (texture HxWx3 in 0..1, px per hand length, centre)."""
    rng = np.random.default_rng(seed)
    base = np.array([205, 166, 140], np.float32) / 255 * np.array([0.99, 0.94, 0.93], np.float32)
    low = T.gaussian(rng.normal(0, 1, (size, size)).astype(np.float32), 48)
    low /= max(float(low.std()), 1e-6)
    mid = T.gaussian(rng.normal(0, 1, (size, size)).astype(np.float32), 6)
    mid /= max(float(mid.std()), 1e-6)
    fine = rng.normal(0, 1, (size, size)).astype(np.float32)
    red = np.array([0.03, -0.01, -0.01], np.float32)  # blotches: redder, not just darker
    tex = base * (1 + 0.035 * low[..., None] + 0.015 * mid[..., None] + 0.012 * fine[..., None]) \
        + red * np.clip(low, 0, None)[..., None]
    return np.clip(tex, 0, 1).astype(np.float32), size / 4.0, np.array([size / 2, size / 2], np.float32)


def _smooth(x):
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def hand_state(t, W, H):
    """Where the hand is at time t (None outside [HAND_START, HAND_END]): the image point under
    the back of the hand (px), the finger direction in the image (deg, 180 = left), depth (hand
    lengths from the camera), tilt of the fingers away from the camera (deg), roll about the
    finger axis (deg), how near the face (0..1, for its shadow) and how open the hand is (0 relaxed .. 1 open)."""
    p = (t - HAND_START) / (HAND_END - HAND_START)
    if not 0 <= p <= 1:
        return None
    s = math.sin(math.pi * p)  # 0 at the edges, 1 in the middle (t = 3.25 s)
    # in from the right, rising to the lower face; out to the bottom right
    x = W * (1.35 - 0.8 * s)
    y = H * (0.85 - 0.22 * s) + H * 0.04 * p
    return dict(
        anchor=(x, y),
        fdir=232 - 14 * s + 4 * math.sin(3 * math.pi * p),
        depth=3.4 - 0.4 * s,
        tilt=18 - 6 * s,
        roll=-20 + 15 * s,
        near=_smooth((s - 0.6) / 0.4),
        open=_smooth((p - 0.05) / 0.35) * (1 - _smooth((p - 0.7) / 0.3)),
    )


_CACHE = {}


def _angles(openness):
    """Joint angles between the relaxed and the open pose (no jitter: the same every run)."""
    if 'poses' not in _CACHE:
        _CACHE['poses'] = [hand3d.pose_angles(k, np.random.default_rng(0), jitter=0.0) for k in ('relaxed', 'open')]
    (f0, a0), (f1, a1) = _CACHE['poses']
    mix = lambda d0, d1: {k: (1 - openness) * d0.get(k, 0.0) + openness * d1.get(k, 0.0) for k in set(d0) | set(d1)}  # noqa: E731
    flex, abd = mix(f0, f1), mix(a0, a1)
    flex['wrist'] = flex.get('wrist', 0.0) + 10 * hand3d._D * (1 - openness)  # a curled hand droops a little
    return flex, abd


def _render(st, W, H):
    hm = hand3d.model('left')
    if 'skin' not in _CACHE:
        _CACHE['skin'] = skin_texture()
    flex, abd = _angles(st['open'])
    posed = hm.pose(flex, abd)
    Rw = posed[hm.jidx['wrist']][:3, :3] @ hm.rest[hm.jidx['wrist']][:3, :3].T
    f_m, d_m = Rw @ hm.f, Rw @ hm.d
    a, tilt = math.radians(st['fdir']), math.radians(st['tilt'])
    f_cam = np.array([math.cos(a) * math.cos(tilt), math.sin(a) * math.cos(tilt), math.sin(tilt)])
    d_cam = np.array([0.0, 0.0, -1.0])  # the back of the hand toward the camera
    d_cam = hand3d._unit(d_cam - np.dot(d_cam, f_cam) * f_cam)
    d_cam = hand3d.axis_angle(hand3d._unit(f_cam), math.radians(st['roll']))[:3, :3] @ d_cam
    R = hand3d.look_rotation(f_m, d_m, f_cam, d_cam)
    S = max(W, H)
    focal = FOCAL_PER_H * H
    Z = st['depth'] * hm.length
    knuckles = np.mean([hm.joint_pos(posed, f'{f}-finger-phalanx-proximal') for f in hand3d.FINGERS[1:]], 0)
    a_m = 0.55 * knuckles + 0.45 * hm.joint_pos(posed, 'wrist')
    ax, ay = st['anchor']
    oy = (S - H) / 2  # the SxS render frame holds the WxH frame centred
    a_c = np.array([(ax - S / 2) * Z / focal, (ay + oy - S / 2) * Z / focal, Z])
    t = a_c - R @ a_m
    nails = lambda c: np.clip(c * np.array([1.0, 0.88, 0.9], np.float32) + 0.17, 0, 1)  # pale pink  # noqa: E731
    rgb, alpha, _info = hand3d.render_hand(hm, posed, R, t, focal, S, _CACHE['skin'], LIGHT, ss=3,
                                           ambient=0.42, nail_col=nails, spec=0.06)
    y0 = int(round(oy))
    return rgb[y0:y0 + H, :W], alpha[y0:y0 + H, :W]


def hand_at(t, W=1280, H=720, fps=30):
    """The hand layer at time t -> (rgb HxWx3 in 0..1, alpha HxW, shadow HxW in 0..1) or None.
    Motion blur: the mean of five renders across half a frame interval (a 1/60 s shutter)."""
    if hand_state(t, W, H) is None:
        return None
    need_hand_assets()
    pm = np.zeros((H, W, 3), np.float32)
    al = np.zeros((H, W), np.float32)
    subs = [t + d / fps for d in (-0.25, -0.125, 0.0, 0.125, 0.25)]
    for ts in subs:
        st = hand_state(ts, W, H)
        if st is None:
            continue
        rgb, a = _render(st, W, H)
        pm += rgb * a[..., None]
        al += a
    pm /= len(subs)
    al /= len(subs)
    rgb = np.where(al[..., None] > 1e-4, pm / np.maximum(al[..., None], 1e-4), 0)
    # a soft shadow on the face, cast away from the light, stronger as the hand comes close
    st = hand_state(t, W, H)
    sig = H * 0.02
    off = H * 0.05 / -LIGHT[2]
    dx, dy = int(round(-LIGHT[0] * off)), int(round(-LIGHT[1] * off))
    soft = T.gaussian(al, sig)
    sh = np.roll(soft, (dy, dx), (0, 1))
    if dy > 0:
        sh[:dy] = 0
    if dx > 0:
        sh[:, :dx] = 0
    shadow = np.clip((0.32 * sh + 0.18 * soft) * st['near'] * (1 - al), 0, 1)  # cast + contact
    return rgb.astype(np.float32), al, shadow.astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out', nargs='?', default=str(REPO / 'assets' / 'sample' / 'sample.mp4'))
    ap.add_argument('--size', default='1280x720')
    ap.add_argument('--seconds', type=float, default=6.0)
    ap.add_argument('--fps', type=int, default=30)
    ap.add_argument('--frames', help='comma-separated times (s): write OUT_t.png for each instead of a clip')
    args = ap.parse_args()
    W, H = (int(v) for v in args.size.split('x'))
    need_hand_assets()
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

    def frame_at(t):
        scale = H * 1.1 / side * (1 + 0.06 * math.sin(t * 0.9))
        angle = 4 * math.sin(t * 1.3)
        size = int(side * scale)
        face = portrait.resize((size, size), Image.BICUBIC).rotate(angle, resample=Image.BICUBIC)
        fmask = feather.resize((size, size), Image.BILINEAR).rotate(angle, resample=Image.BILINEAR)
        frame = background.copy()
        x = int(W / 2 - size / 2 + W * 0.04 * math.sin(t * 1.1))
        y = int(H * 0.02 + H * 0.02 * math.sin(t * 1.7))
        frame.paste(face, (x, y), fmask)
        out = np.asarray(frame, np.float32) / 255
        hand = hand_at(t, W, H, args.fps)
        if hand is not None:
            rgb, a, shadow = hand
            # the shadow falls on the portrait (the face and the wall right behind it) only
            on = Image.new('L', (W, H), 0)
            on.paste(fmask, (x, y))
            # skin in shade stays warm (light scattered under the skin is reddish)
            out = out * (1 - (shadow * np.asarray(on, np.float32) / 255)[..., None] * np.array([0.8, 1.0, 1.1], np.float32))
            out = rgb * a[..., None] + out * (1 - a[..., None])
        return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)

    if args.frames:
        stem = args.out[:-4] if args.out.endswith('.mp4') else args.out
        for ts in args.frames.split(','):
            t = round(float(ts) * args.fps) / args.fps
            Image.fromarray(frame_at(t)).save(f'{stem}_{ts}.png')
        return

    ff = subprocess.Popen(
        ['ffmpeg', '-y', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{W}x{H}', '-r', str(args.fps), '-i', '-',
         '-c:v', 'libx264', '-preset', 'slow', '-crf', '24', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', args.out],
        stdin=subprocess.PIPE)
    for i in range(n):
        ff.stdin.write(frame_at(i / args.fps).tobytes())
    ff.stdin.close()
    if ff.wait() != 0:
        raise SystemExit('ffmpeg failed')


if __name__ == '__main__':
    main()
