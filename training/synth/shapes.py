"""Occluders that are no particular object: random textured shapes (procedural texture, skin or
a photo crop; opaque or semi-transparent) and real occluders cut from other photos by their
parsing label (hair, hats, eyeglasses, clothes)."""
from __future__ import annotations

import numpy as np
from PIL import Image

from .. import textures as T
from .composite import over
from .faces import bbox
from .placement import Ctx
from .skin import skin_texture


def occ_shape(ctx: Ctx, rng):
    S = ctx.S
    rgb = np.zeros((S, S, 3), np.float32)
    a = np.zeros((S, S), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        c = T.Canvas(S, S)
        p = ctx.face_point(dx=(-0.6, 0.6), dy=(-0.5, 0.6))
        r = rng.uniform(0.1, 0.45) * max(ctx.fh, 8)
        kind = rng.choice(["polygon", "ellipse", "blob", "stroke", "rect"])
        if kind == "polygon":
            k = int(rng.integers(3, 9))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            rr = r * rng.uniform(0.4, 1.0, k)
            c.polygon(np.stack([p[0] + rr * np.cos(ang), p[1] + rr * np.sin(ang)], 1))
        elif kind == "ellipse":
            c.polygon(T.superellipse(p[0], p[1], r, r * rng.uniform(0.3, 1), 2, rng.uniform(0, np.pi)))
        elif kind == "blob":
            c.polygon(T.blob(rng, p[0], p[1], r))
        elif kind == "rect":
            c.polygon(T.superellipse(p[0], p[1], r, r * rng.uniform(0.2, 1), rng.uniform(6, 20), rng.uniform(0, np.pi)))
        else:
            q = [p + rng.normal(0, r, 2) for _ in range(4)]
            c.line(T.bezier(q, 24), rng.uniform(0.03, 0.3) * r, 255)
        ak = c.result()
        u = rng.random()
        if u < 0.2:
            tk = skin_texture(ctx, rng, ak, r * 0.3)
        elif u < 0.35:
            d = ctx.donor()
            im = ctx.bank.imgs[d]
            z = int(rng.integers(64, ctx.bank.src))
            x0, y0 = [int(v) for v in rng.integers(0, ctx.bank.src - z + 1, 2)]
            tk = T.resize_float(im[y0:y0 + z, x0:x0 + z].astype(np.float32) / 255, S, S)
        else:
            tk = T.texture(rng, S, S)
        tk = tk * (0.7 + 0.3 * np.clip((T.gaussian(ak, max(1, 0.1 * r)) - 0.5) * 2, 0, 1) ** 0.5)[..., None]
        if rng.random() < 0.3:
            ak = ak * rng.uniform(0.3, 0.9)
        tk, ak = T.soften(tk, ak, rng.uniform(0, 2.0) if rng.random() < 0.4 else 0)
        rgb, a = over(tk, ak, rgb, a)
    return np.clip(rgb, 0, 1).astype(np.float32), np.clip(a, 0, 1)


def occ_crop(ctx: Ctx, rng):
    """A real occluder cut from another photo by its parsing label: hair, hat, glasses, cloth."""
    S = ctx.S
    for _ in range(6):
        d = ctx.donor()
        lab = ctx.bank.labs[d]
        cls = int(rng.choice([13, 13, 13, 14, 3, 18]))
        m = lab == cls
        bb = bbox(m)
        if bb is None or (bb[2] - bb[0]) < 20 or (bb[3] - bb[1]) < 12:
            continue
        bw, bh = bb[2] - bb[0], bb[3] - bb[1]
        if cls in (13, 18):  # random window of the region
            ww, hh = bw * rng.uniform(0.35, 0.9), bh * rng.uniform(0.35, 0.9)
            x0 = bb[0] + rng.uniform(0, bw - ww)
            y0 = bb[1] + rng.uniform(0, bh - hh)
            bb = np.array([x0, y0, x0 + ww, y0 + hh], np.float32)
        x0, y0, x1, y1 = [int(v) for v in bb]
        mm = m[y0:y1, x0:x1].astype(np.float32)
        if mm.mean() < 0.1:
            continue
        src = ctx.bank.imgs[d][y0:y1, x0:x1].astype(np.float32) / 255
        # target placement: similar-sized region over the face
        if cls == 3:  # glasses go on the eyes
            tgt = ctx.eyes.mean(0)
            sc = ctx.scale * rng.uniform(0.9, 1.15)
            ang = ctx.angle + rng.normal(0, 0.05)
        else:
            tgt = ctx.face_point(dx=(-0.45, 0.45), dy=(-0.45, 0.5))
            sc = rng.uniform(0.35, 1.0) * max(ctx.fh, 8) / max(y1 - y0, x1 - x0)
            ang = rng.uniform(-np.pi, np.pi) if rng.random() < 0.5 else ctx.angle + rng.normal(0, 0.3)
        R = T.rot(ang) * sc
        if rng.random() < 0.5:
            R = R @ np.diag([-1, 1]).astype(np.float32)
        ctr = np.array([(x1 - x0) / 2, (y1 - y0) / 2], np.float32)
        Ri = np.linalg.inv(R)
        off = ctr - Ri @ tgt
        coeffs = (Ri[0, 0], Ri[0, 1], off[0], Ri[1, 0], Ri[1, 1], off[1])
        a = _warp_f(mm, S, coeffs)
        a = T.gaussian(a, 0.5)
        rgb = np.stack([_warp_f(src[..., k], S, coeffs) for k in range(3)], -1)
        if a.max() < 0.05:
            continue
        return np.clip(rgb, 0, 1), np.clip(a, 0, 1)
    return occ_shape(ctx, rng)


def _warp_f(x, S, coeffs):
    im = Image.fromarray(np.ascontiguousarray(x, dtype=np.float32))
    return np.asarray(im.transform((S, S), Image.AFFINE, coeffs, resample=Image.BILINEAR, fillcolor=0.0))
