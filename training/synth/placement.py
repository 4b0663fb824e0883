"""Placement: where the face lands in the output frame (a random webcam-like or CelebA-like
affine, and the warp of the photo and its masks by it), and where occluders go relative to the
placed face (Ctx: landmarks in output pixels, points on the face or the frame edge, donor faces)."""
from __future__ import annotations

import numpy as np
from PIL import Image

from .. import textures as T
from ..data import FACE_CLASSES


def face_affine(bank, idx, S, rng, p_aligned, fill):
    """Random placement of face idx in the SxS frame -> (A, b), output = A @ source + b: with
    prob p_aligned CelebA-like framing, else webcam-like with the face box a fraction in
    fill = [lo, hi] of the frame height."""
    src = bank.src
    fb = bank.info[idx]["fb"]
    fh = fb[3] - fb[1]
    c_src = np.array([(fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2], np.float32)
    flip = -1.0 if rng.random() < 0.5 else 1.0
    if rng.random() < p_aligned:  # CelebA-like framing (the whole photo), small jitter
        s = S / src * rng.uniform(0.9, 1.12)
        th = rng.normal(0, 0.06)
        t = np.array([S / 2, S / 2], np.float32) + (c_src - src / 2) * s + rng.normal(0, 0.03 * S, 2)
        t = t.astype(np.float32)
        if flip < 0:
            t[0] = S - t[0]
    else:
        lo, hi = fill
        f = rng.uniform(lo, hi) if rng.random() < 0.7 else float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        s = f * S / fh
        th = float(np.clip(rng.normal(0, 0.18), -0.5, 0.5))
        half = f * S / 2
        m = max(0.0, S / 2 - half * 0.8)
        t = np.array([S / 2, S / 2], np.float32) + rng.uniform(-1, 1, 2).astype(np.float32) * m
    A = (s * T.rot(th) @ np.diag([flip, 1.0])).astype(np.float32)
    b = (t - A @ c_src).astype(np.float32)
    return A, b


def warp_face(bank, idx, S, A, b, photo=None):
    """Warp the photo (bank.imgs[idx], or photo: the same face recoloured), the face mask and the
    person mask into the output frame."""
    src = bank.src
    s = float(np.sqrt(abs(np.linalg.det(A))))
    k = 1
    while s * k < 0.55 and k < 8:
        k *= 2
    img = Image.fromarray(bank.imgs[idx] if photo is None else photo)
    lab = bank.labs[idx]
    face = Image.fromarray((np.isin(lab, FACE_CLASSES) * 255).astype(np.uint8))
    person = Image.fromarray(((lab != 0) * 255).astype(np.uint8))
    valid = Image.new("L", (src, src), 255)
    if k > 1:
        img, face, person, valid = [x.reduce(k) for x in (img, face, person, valid)]
    Ai = np.linalg.inv(A.astype(np.float64)) / k
    bi = -Ai @ b.astype(np.float64)
    coeffs = (Ai[0, 0], Ai[0, 1], bi[0], Ai[1, 0], Ai[1, 1], bi[1])
    out = [np.asarray(x.transform((S, S), Image.AFFINE, coeffs, resample=Image.BILINEAR), np.float32) / 255
           for x in (img, face, person, valid)]
    return out


class Ctx:
    """Per-sample geometry: the source->output affine and face landmarks in output pixels."""

    def __init__(self, bank, idx, S, A, b, rng):
        self.bank, self.idx, self.S, self.A, self.b, self.rng = bank, idx, S, A, b, rng
        self.info = bank.info[idx]
        self.scale = float(np.sqrt(abs(np.linalg.det(A))))
        fb = self.info["fb"]
        self.fw = float((fb[2] - fb[0]) * self.scale)
        self.fh = float((fb[3] - fb[1]) * self.scale)
        self.center = self.out([[(fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2]])[0]
        self.down = A @ np.array([0, 1], np.float32)
        self.down /= np.linalg.norm(self.down)
        self.right = np.array([-self.down[1], self.down[0]], np.float32)  # image-right of the face
        self.angle = float(np.arctan2(self.down[1], self.down[0]) - np.pi / 2)  # face roll
        self.eyes = self.out(self.info["eyes"])
        mo = self.info["mouth"]
        self.mouth = self.out([[(mo[0] + mo[2]) / 2, (mo[1] + mo[3]) / 2]])[0]
        self.mouth_w = float((mo[2] - mo[0]) * self.scale)
        # multiplicative darkening of the scene under the occluders (contact shadows); generators
        # may add to it, the synthesiser applies it to the frame before compositing the occluders
        self.shadow = None

    def add_shadow(self, sh):
        sh = np.clip(sh, 0, 0.9).astype(np.float32)
        self.shadow = sh if self.shadow is None else 1 - (1 - self.shadow) * (1 - sh)

    def out(self, pts):
        pts = np.asarray(pts, np.float32).reshape(-1, 2)
        return pts @ self.A.T + self.b

    def donor(self):
        n = self.bank.n
        if n == 1:
            return self.idx
        j = int(self.rng.integers(n - 1))
        return j + 1 if j >= self.idx else j

    def face_point(self, dx=(-0.5, 0.5), dy=(-0.45, 0.55)):
        r = self.rng
        return self.center + self.right * r.uniform(*dx) * self.fw + self.down * r.uniform(*dy) * self.fh

    def edge_point(self, u=None):
        r, S = self.rng, self.S
        u = r.random() if u is None else u
        t = r.uniform(0.1, 0.9) * S
        if u < 0.55:
            return np.array([t, S + 10], np.float32)
        if u < 0.77:
            return np.array([-10, t], np.float32)
        if u < 0.97:
            return np.array([S + 10, t], np.float32)
        return np.array([t, -10], np.float32)

