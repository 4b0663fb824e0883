"""Procedural textures and small image helpers (numpy + PIL + scipy only; deterministic by rng)."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

PALETTE_NATURAL = np.array([
    [0.95, 0.95, 0.95], [0.1, 0.1, 0.1], [0.55, 0.75, 0.92], [0.2, 0.3, 0.6], [0.7, 0.15, 0.15],
    [0.85, 0.7, 0.3], [0.3, 0.5, 0.25], [0.5, 0.35, 0.2], [0.9, 0.6, 0.65], [0.5, 0.5, 0.55],
    [0.95, 0.85, 0.7], [0.25, 0.2, 0.3], [0.8, 0.45, 0.1], [0.4, 0.6, 0.6]], np.float32)


def rand_color(rng, kind="any"):
    if kind == "natural" or (kind == "any" and rng.random() < 0.5):
        c = PALETTE_NATURAL[rng.integers(len(PALETTE_NATURAL))] * rng.uniform(0.75, 1.15)
        c = c + rng.normal(0, 0.04, 3)
    else:
        c = rng.uniform(0, 1, 3)
    return np.clip(c, 0, 1).astype(np.float32)


def value_noise(rng, h, w, cell, ch=1):
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    out = np.empty((h, w, ch), np.float32)
    for c in range(ch):
        g = rng.random((gh, gw)).astype(np.float32)
        im = Image.fromarray(g).resize((w, h), Image.BICUBIC)
        out[..., c] = np.asarray(im)
    return np.clip(out, 0, 1)


def fractal_noise(rng, h, w, base_cell=None, octaves=3, ch=1):
    base_cell = base_cell or max(h, w) / rng.uniform(2, 8)
    out = np.zeros((h, w, ch), np.float32)
    amp, tot = 1.0, 0.0
    cell = base_cell
    for _ in range(octaves):
        out += amp * value_noise(rng, h, w, max(1.5, cell), ch)
        tot += amp
        amp *= 0.5
        cell /= 2
    return out / tot


def texture(rng, h, w, kind=None):
    """Random texture in [0,1], float32 HxWx3."""
    kinds = ["solid", "gradient", "noise", "stripes", "checker", "dots", "plaid", "camo"]
    kind = kind or kinds[rng.integers(len(kinds))]
    c1, c2 = rand_color(rng), rand_color(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "solid":
        t = np.broadcast_to(c1, (h, w, 3)).copy()
        t *= 1 + 0.08 * (fractal_noise(rng, h, w) - 0.5)
    elif kind == "gradient":
        th = rng.uniform(0, 2 * np.pi)
        g = (np.cos(th) * xx + np.sin(th) * yy)
        g = (g - g.min()) / (np.ptp(g) + 1e-6)
        t = c1 * (1 - g[..., None]) + c2 * g[..., None]
    elif kind == "noise":
        n = fractal_noise(rng, h, w, octaves=4)
        t = c1 * (1 - n) + c2 * n
    elif kind in ("stripes", "plaid"):
        th = rng.uniform(0, np.pi)
        period = rng.uniform(3, max(4, min(h, w) / 3))
        g = np.cos(th) * xx + np.sin(th) * yy
        s = (np.sin(2 * np.pi * g / period) > rng.uniform(-0.6, 0.6)).astype(np.float32)
        if kind == "plaid":
            g2 = -np.sin(th) * xx + np.cos(th) * yy
            s2 = (np.sin(2 * np.pi * g2 / period) > 0.3).astype(np.float32)
            s = np.clip(0.6 * s + 0.6 * s2, 0, 1)
        s = ndimage.gaussian_filter(s, 0.6)
        t = c1 * (1 - s[..., None]) + c2 * s[..., None]
    elif kind == "checker":
        p = rng.uniform(3, max(4, min(h, w) / 3))
        th = rng.uniform(0, np.pi)
        u = np.cos(th) * xx + np.sin(th) * yy
        v = -np.sin(th) * xx + np.cos(th) * yy
        s = ((np.floor(u / p) + np.floor(v / p)) % 2).astype(np.float32)
        t = c1 * (1 - s[..., None]) + c2 * s[..., None]
    elif kind == "dots":
        p = rng.uniform(4, max(5, min(h, w) / 4))
        r = p * rng.uniform(0.15, 0.4)
        d = np.hypot((xx % p) - p / 2, (yy % p) - p / 2)
        s = np.clip(r + 0.5 - d, 0, 1)
        t = c1 * (1 - s[..., None]) + c2 * s[..., None]
    else:  # camo
        n = fractal_noise(rng, h, w, octaves=2)[..., 0]
        c3 = rand_color(rng)
        t = np.where((n < 0.45)[..., None], c1, np.where((n < 0.6)[..., None], c2, c3))
        t = ndimage.gaussian_filter(t, (0.7, 0.7, 0))
    return np.clip(t, 0, 1).astype(np.float32)


def gaussian(x, sigma):
    if sigma <= 0.05:
        return x
    if x.ndim == 3:
        return ndimage.gaussian_filter(x, (sigma, sigma, 0), truncate=3.0)
    return ndimage.gaussian_filter(x, sigma, truncate=3.0)


def soften(rgb, a, sigma):
    """Defocus an occluder layer: blur premultiplied colour and alpha together."""
    if sigma <= 0.05:
        return rgb, a
    ab = gaussian(a, sigma)
    cb = gaussian(rgb * a[..., None], sigma)
    rgb = np.where(ab[..., None] > 1e-4, cb / np.maximum(ab[..., None], 1e-4), rgb)
    return np.clip(rgb, 0, 1), np.clip(ab, 0, 1)


def motion_blur(x, length, angle):
    """Linear motion blur (box kernel of `length` px at `angle`)."""
    n = max(1, int(round(length)))
    if n <= 1:
        return x
    k = np.zeros((2 * n + 1, 2 * n + 1), np.float32)
    for t in np.linspace(-n / 2, n / 2, 2 * n + 1):
        k[int(round(n + t * np.sin(angle))), int(round(n + t * np.cos(angle)))] = 1
    k /= k.sum()
    if x.ndim == 3:
        return np.stack([ndimage.convolve(x[..., c], k, mode="nearest") for c in range(x.shape[2])], -1)
    return ndimage.convolve(x, k, mode="nearest")


def motion_blur_layer(col, a, rng):
    """A moving occluder: its premultiplied colour and its alpha blurred along one random
    direction (2-7 px), the colour un-premultiplied again where anything is left."""
    length, angle = rng.uniform(2, 7), rng.uniform(0, np.pi)
    pm = motion_blur(col * a[..., None], length, angle)
    a = np.clip(motion_blur(a, length, angle), 0, 1)
    return np.where(a[..., None] > 1e-4, pm / np.maximum(a[..., None], 1e-4), col), a


class Canvas:
    """Supersampled drawing surface for antialiased alpha masks (PIL 'L', values 0..255)."""

    def __init__(self, h, w, ss=2, mode="L"):
        self.h, self.w, self.ss = h, w, ss
        self.mode = mode
        self.im = Image.new(mode, (w * ss, h * ss), 0)
        self.d = ImageDraw.Draw(self.im)

    def _p(self, pts):
        s = self.ss
        return [(float(x) * s, float(y) * s) for x, y in pts]

    def _v(self, v):
        if self.mode == "L":
            return int(round(float(np.clip(v, 0, 255))))
        return tuple(int(round(float(c))) for c in np.clip(v, 0, 255))

    def polygon(self, pts, v=255):
        if len(pts) >= 3:
            self.d.polygon(self._p(pts), fill=self._v(v))

    def line(self, pts, width, v=255, round_caps=True):
        w = max(1, int(round(width * self.ss)))
        p = self._p(pts)
        if len(p) >= 2:
            self.d.line(p, fill=self._v(v), width=w, joint="curve" if len(p) > 2 else None)
        if round_caps and w > 2:
            r = w / 2
            for q in (p[0], p[-1]):
                self.d.ellipse([q[0] - r, q[1] - r, q[0] + r, q[1] + r], fill=self._v(v))

    def ellipse(self, cx, cy, rx, ry, v=255):
        s = self.ss
        self.d.ellipse([(cx - rx) * s, (cy - ry) * s, (cx + rx) * s, (cy + ry) * s], fill=self._v(v))

    def result(self) -> np.ndarray:
        im = self.im.reduce(self.ss) if self.ss > 1 else self.im
        return np.asarray(im, dtype=np.float32) / 255.0


def rot(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]], np.float32)


def superellipse(cx, cy, a, b, p=2.0, theta=0.0, n=48, bottom_scale=1.0):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ct, st = np.cos(t), np.sin(t)
    x = a * np.sign(ct) * np.abs(ct) ** (2 / p)
    y = b * np.sign(st) * np.abs(st) ** (2 / p)
    y = np.where(y > 0, y * bottom_scale, y)
    pts = np.stack([x, y], 1) @ rot(theta).T + np.array([cx, cy])
    return pts


def bezier(p, n=24):
    p = np.asarray(p, np.float32)
    t = np.linspace(0, 1, n, dtype=np.float32)[:, None]
    if len(p) == 3:
        return (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t ** 2 * p[2]
    return ((1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t ** 2 * p[2]
            + t ** 3 * p[3])


def chaikin(pts, it=2):
    pts = np.asarray(pts, np.float32)
    for _ in range(it):
        q = 0.75 * pts + 0.25 * np.roll(pts, -1, 0)
        r = 0.25 * pts + 0.75 * np.roll(pts, -1, 0)
        pts = np.stack([q, r], 1).reshape(-1, 2)
    return pts


def blob(rng, cx, cy, r, n=40, k=4, irregular=0.35):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rr = np.ones_like(t)
    for j in range(1, k + 1):
        rr += irregular / j * rng.uniform(-1, 1) * np.cos(j * t + rng.uniform(0, 2 * np.pi))
    rr = np.clip(rr, 0.3, None) * r
    return np.stack([cx + rr * np.cos(t), cy + rr * np.sin(t)], 1)


def resize_float(x, w, h):
    """Resize float image HxWxC (or HxW) in [0,1] with PIL bilinear per channel."""
    w, h = max(1, int(w)), max(1, int(h))
    if x.ndim == 2:
        return np.asarray(Image.fromarray(x.astype(np.float32)).resize((w, h), Image.BILINEAR))
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(x[..., c], dtype=np.float32))
                                .resize((w, h), Image.BILINEAR)) for c in range(x.shape[2])], -1)


def place(tex, h, w, x0, y0):
    """Paste texture tex (th x tw x 3) into an h x w canvas at integer offset; zeros elsewhere."""
    out = np.zeros((h, w, tex.shape[2]), np.float32)
    th, tw = tex.shape[:2]
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(w, x0 + tw), min(h, y0 + th)
    if xb > xa and yb > ya:
        out[ya:yb, xa:xb] = tex[ya - y0:yb - y0, xa - x0:xb - x0]
    return out
