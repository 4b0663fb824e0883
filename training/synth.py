"""CelebAMat-style on-the-fly synthesis (seeded): faces placed into webcam-like frames, occluders
with their own alpha composited on top, photometric webcam degradations.

  image  = occ_rgb * occ_a + frame * (1 - occ_a)        (per occluder, in order)
  target = face * prod_k (1 - occ_a_k)                   (face = warped clean face mask)

Everything is numpy / PIL / scipy (no OpenCV) so it gives the same semantics on every machine.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from . import textures as T
from .data import FACE_CLASSES

OCCLUDERS = ["hand", "hair", "glasses", "mask", "mic", "phone", "cup", "shape", "crop"]
EVAL_TYPES = ["clean"] + OCCLUDERS
DEFAULT_WEIGHTS = {"hand": 0.24, "hair": 0.12, "glasses": 0.12, "mask": 0.12, "mic": 0.07,
                   "phone": 0.07, "cup": 0.07, "shape": 0.11, "crop": 0.08}


# ----------------------------------------------------------------------------- face bank
def _centroid(m):
    ys, xs = np.nonzero(m)
    if len(xs) < 5:
        return None
    return np.array([xs.mean(), ys.mean()], np.float32)


def _bbox(m):
    ys, xs = np.nonzero(m)
    if len(xs) < 5:
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)


def face_info(img: np.ndarray, lab: np.ndarray) -> dict:
    S = lab.shape[0]
    face = np.isin(lab, FACE_CLASSES)
    fb = _bbox(face)
    if fb is None:
        fb = np.array([S * 0.3, S * 0.3, S * 0.7, S * 0.75], np.float32)
    fw, fh = fb[2] - fb[0], fb[3] - fb[1]
    cx = (fb[0] + fb[2]) / 2
    eyes = [_centroid(lab == 4), _centroid(lab == 5)]
    brows = [_centroid(lab == 6), _centroid(lab == 7)]
    for k in range(2):
        if eyes[k] is None and brows[k] is not None:
            eyes[k] = brows[k] + np.array([0, 0.07 * fh], np.float32)
    if eyes[0] is None or eyes[1] is None:
        y = fb[1] + 0.33 * fh
        eyes = [np.array([cx - 0.22 * fw, y], np.float32), np.array([cx + 0.22 * fw, y], np.float32)]
    eyes = sorted(eyes, key=lambda p: p[0])
    nose = _bbox(lab == 2)
    if nose is None:
        nose = np.array([cx - 0.1 * fw, fb[1] + 0.35 * fh, cx + 0.1 * fw, fb[1] + 0.62 * fh], np.float32)
    mouth = _bbox(np.isin(lab, (10, 11, 12)))
    if mouth is None:
        mouth = np.array([cx - 0.17 * fw, fb[1] + 0.68 * fh, cx + 0.17 * fw, fb[1] + 0.8 * fh], np.float32)
    ears = [_centroid(lab == 8), _centroid(lab == 9)]
    rows = np.where(face.any(1))[0]
    row_l = np.full(S, -1, np.int16)
    row_r = np.full(S, -1, np.int16)
    for y in rows:
        xs = np.nonzero(face[y])[0]
        row_l[y], row_r[y] = xs[0], xs[-1]
    skin = lab == 1
    imf = img.astype(np.float32) / 255
    if skin.sum() > 50:
        sk = imf[skin]
        skin_mean, skin_std = sk.mean(0), sk.std(0) + 1e-3
    else:
        skin_mean, skin_std = np.array([0.8, 0.6, 0.5], np.float32), np.full(3, 0.05, np.float32)
    hair = lab == 13
    hair_mean = imf[hair].mean(0) if hair.sum() > 50 else None
    # skin texture patch (128x128): real skin of this face, non-skin filled by normalised convolution
    h2 = np.asarray(Image.fromarray(img).reduce(2), np.float32) / 255
    m2 = np.asarray(Image.fromarray(np.isin(lab, (1, 2)).astype(np.uint8) * 255).reduce(2), np.float32) / 255
    m2 = (m2 > 0.99).astype(np.float32)
    sb = _bbox(m2 > 0)
    if sb is not None and (sb[2] - sb[0]) > 16 and (sb[3] - sb[1]) > 16:
        x0, y0, x1, y1 = [int(v) for v in sb]
        ci, cm = h2[y0:y1, x0:x1], m2[y0:y1, x0:x1]
        num = T.gaussian(ci * cm[..., None], 6)
        den = T.gaussian(cm, 6)[..., None]
        fill = num / np.maximum(den, 1e-3)
        fill = np.where(den > 1e-3, fill, skin_mean)
        patch = ci * cm[..., None] + fill * (1 - cm[..., None])
        patch = T.resize_float(patch, 128, 128)
    else:
        patch = np.broadcast_to(skin_mean, (128, 128, 3)) * (1 + 0.05 * T.value_noise(np.random.default_rng(0), 128, 128, 8))
    return dict(fb=fb, eyes=np.stack(eyes), nose=nose, mouth=mouth, ears=ears, row_l=row_l, row_r=row_r,
                skin_mean=skin_mean.astype(np.float32), skin_std=skin_std.astype(np.float32),
                hair_mean=None if hair_mean is None else hair_mean.astype(np.float32),
                skin_patch=(np.clip(patch, 0, 1) * 255).astype(np.uint8))


_BANK_ARRAYS = None


def _info_job(i):
    return face_info(_BANK_ARRAYS[0][i], _BANK_ARRAYS[1][i])


class FaceBank:
    """Decoded faces (uint8) + per-face geometry; shared read-only by dataloader workers."""

    def __init__(self, imgs: np.ndarray, labs: np.ndarray, workers: int = 1):
        assert imgs.shape[:3] == labs.shape and imgs.shape[1] == imgs.shape[2]
        self.imgs, self.labs = imgs, labs
        self.n, self.src = imgs.shape[0], imgs.shape[1]
        if workers > 1 and self.n >= 32:
            import multiprocessing as mp
            global _BANK_ARRAYS
            _BANK_ARRAYS = (imgs, labs)
            with mp.get_context("fork").Pool(workers) as pool:
                self.info = pool.map(_info_job, range(self.n), chunksize=8)
            _BANK_ARRAYS = None
        else:
            self.info = [face_info(imgs[i], labs[i]) for i in range(self.n)]

    def __len__(self):
        return self.n


# ----------------------------------------------------------------------------- context
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


def over(c_top, a_top, c_bot, a_bot):
    """Straight-colour 'over' compositing of two occluder layers -> (colour, alpha)."""
    a = a_top + a_bot * (1 - a_top)
    pm = c_top * a_top[..., None] + c_bot * (a_bot * (1 - a_top))[..., None]
    c = np.where(a[..., None] > 1e-5, pm / np.maximum(a[..., None], 1e-5), c_top)
    return np.clip(c, 0, 1).astype(np.float32), np.clip(a, 0, 1).astype(np.float32)


# ----------------------------------------------------------------------------- skin colouring
def skin_texture(ctx: Ctx, rng, a, scale_px, lines=None, match_p=0.5, own_p=0.0):
    """Real skin (normalised-conv patch of a face's cheek/forehead skin), shaded for a rounded
    3-D look. With prob own_p the face's own skin (same tone and texture as the face: the
    hardest case for a matte); otherwise another face's, colour-matched to this face with prob
    match_p. Returns rgb HxWx3."""
    S = ctx.S
    ys, xs = np.nonzero(a > 0.01)
    rgb = np.zeros((S, S, 3), np.float32)
    if len(xs) == 0:
        return rgb
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    own = own_p > 0 and rng.random() < own_p
    d = ctx.idx if own else ctx.donor()
    di = ctx.bank.info[d]
    patch = di["skin_patch"].astype(np.float32) / 255
    # random sub-window of the patch, flipped, stretched over the occluder's box
    ph = int(rng.integers(64, 129))
    px, py = int(rng.integers(0, 129 - ph)), int(rng.integers(0, 129 - ph))
    patch = patch[py:py + ph, px:px + ph]
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    tex = T.resize_float(patch, x1 - x0, y1 - y0)
    u = rng.random()
    if own:  # the face's own skin, a little lighter or darker (the hand's own light)
        tex *= rng.uniform(0.92, 1.06)
    elif u < match_p:  # same skin tone as the face: the hardest case
        ti = ctx.info
        tex = (tex - di["skin_mean"]) / di["skin_std"] * ti["skin_std"] + ti["skin_mean"]
        tex *= rng.uniform(0.85, 1.1)
    elif u < match_p + 0.1:  # gloves / unusual tone
        tex = tex * 0.25 + T.rand_color(rng) * 0.75
    else:
        tex = tex * rng.uniform(0.9, 1.1, 3)
    tex *= rng.uniform(0.55, 1.15)  # shadowed / lit hands
    rgb[y0:y1, x0:x1] = tex
    # rounded shading: darker toward silhouette edges, plus a directional light ramp
    e = T.gaussian(a, max(0.8, 0.18 * scale_px))
    edge = np.clip((e - 0.5) * 2.2, 0, 1) ** 0.6
    shade = 0.62 + 0.38 * edge
    th = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    ramp = ((xx - xs.mean()) * np.cos(th) + (yy - ys.mean()) * np.sin(th)) / max(8.0, 2 * scale_px)
    shade *= 1 + rng.uniform(0, 0.25) * np.clip(ramp, -1, 1)
    if lines is not None:
        shade *= 1 - rng.uniform(0.25, 0.55) * np.clip(T.gaussian(lines, 0.6) * 1.5, 0, 1)
    rgb *= shade[..., None]
    rgb *= 1 + 0.06 * (T.fractal_noise(rng, S, S, base_cell=12, octaves=2) - 0.5)
    return np.clip(rgb, 0, 1)


# ----------------------------------------------------------------------------- occluders
def _finger(c: T.Canvas, lines: T.Canvas, nails: T.Canvas | None, base, ang, seg, w, bends, xf):
    """Draw a finger as a chain of capsules in canonical coordinates; xf maps to pixels."""
    p = np.array(base, np.float32)
    pts = [p.copy()]
    a = ang
    for L, bnd in zip(seg, bends):
        a += bnd
        p = p + L * np.array([np.sin(a), np.cos(a)], np.float32)
        pts.append(p.copy())
    P = xf(np.stack(pts))
    wpx = xf.scale * w
    c.line(P, wpx, 255)
    # side creases (separate neighbouring fingers) and knuckle creases
    dirv = P[-1] - P[0]
    nrm = np.array([-dirv[1], dirv[0]]) / (np.linalg.norm(dirv) + 1e-6)
    for sgn in (-1, 1):
        lines.line(P + sgn * nrm * wpx * 0.47, max(0.6, wpx * 0.06), 200, round_caps=False)
    for k in range(1, len(P) - 1):
        q = P[k]
        lines.line([q - nrm * wpx * 0.3, q + nrm * wpx * 0.3], max(0.5, wpx * 0.05), 140, round_caps=False)
    if nails is not None:
        tip = P[-1] - (P[-1] - P[-2]) / (np.linalg.norm(P[-1] - P[-2]) + 1e-6) * wpx * 0.35
        nails.ellipse(tip[0], tip[1], wpx * 0.28, wpx * 0.28, 255)
    return P


class _Xf:
    def __init__(self, origin, d, P, side):
        self.o, self.d, self.scale = np.asarray(origin, np.float32), np.asarray(d, np.float32), float(P)
        self.perp = np.array([-d[1], d[0]], np.float32) * side

    def __call__(self, pts):
        pts = np.asarray(pts, np.float32).reshape(-1, 2)
        return self.o + self.scale * (pts[:, :1] * self.perp + pts[:, 1:] * self.d)


def draw_hand(ctx: Ctx, rng, target=None, size_rel=None, entry=None, anchor=None):
    """Procedural hand (palm, 4 fingers with joints, thumb, forearm) in a random pose, pointing
    from a frame edge toward the face. Returns (alpha, crease lines, nails, palm-width px)."""
    S = ctx.S
    target = ctx.face_point() if target is None else target
    entry = ctx.edge_point() if entry is None else entry
    d = target - entry
    d = d / (np.linalg.norm(d) + 1e-6)
    d = T.rot(rng.normal(0, 0.35)) @ d
    size_rel = rng.uniform(0.55, 1.3) if size_rel is None else size_rel
    P = size_rel * max(ctx.fh, 12) / 1.9
    side = 1 if rng.random() < 0.5 else -1
    anchor = rng.uniform(-0.3, 1.4) if anchor is None else anchor
    xf = _Xf(target - anchor * P * d, d, P, side)
    c, lines, nails = T.Canvas(S, S), T.Canvas(S, S), T.Canvas(S, S)
    pose = rng.choice(["open", "open", "relaxed", "fist", "point", "peace", "edge"])
    pw = 0.5 if pose == "edge" else 1.0
    # forearm + palm
    fa = xf([[-0.42 * pw, -0.45], [0.42 * pw, -0.45], [0.55 * pw, -4.5], [-0.55 * pw, -4.5]])
    c.polygon(fa)
    c.polygon(xf(T.superellipse(0, -0.05, 0.5 * pw, 0.52, p=rng.uniform(2.5, 4))))
    # palm lines
    for _ in range(2):
        q = T.bezier([[-0.4 * pw, rng.uniform(-0.3, 0.3)], [0, rng.uniform(-0.3, 0.3)],
                      [0.4 * pw, rng.uniform(-0.3, 0.3)]], 12)
        lines.line(xf(q), max(0.5, P * 0.025), 60, round_caps=False)
    widths = np.array([0.22, 0.235, 0.22, 0.19]) * rng.uniform(0.85, 1.15) * pw ** 0.3
    lens = np.array([0.85, 0.95, 0.88, 0.7]) * rng.uniform(0.85, 1.15)
    bases_x = np.array([-0.375, -0.125, 0.125, 0.375]) * pw
    spread = rng.uniform(0, 0.22)
    ext = {"open": [1, 1, 1, 1], "relaxed": [1, 1, 1, 1], "fist": [0, 0, 0, 0], "point": [1, 0, 0, 0],
           "peace": [1, 1, 0, 0], "edge": [1, 1, 1, 1]}[pose]
    if pose == "edge":
        _finger(c, lines, None, (0, 0.4), rng.normal(0, 0.1), [0.4, 0.3, 0.2], 0.45, rng.normal(0, 0.1, 3), xf)
    else:
        folded = [k for k in range(4) if not ext[k]]
        if folded:  # folded fingers seen from the front: a knuckle bar with creases
            xa, xb = bases_x[min(folded)] - widths[0] / 2, bases_x[max(folded)] + widths[0] / 2
            c.line(xf([[xa, 0.32], [xb, 0.32]]), P * 0.36, 255)
            for k in folded:
                q = xf([[bases_x[k] + widths[k] / 2, 0.18], [bases_x[k] + widths[k] / 2, 0.48]])
                lines.line(q, max(0.6, P * 0.035), 200, round_caps=False)
        for k in range(4):
            if not ext[k]:
                continue
            L = lens[k] * (rng.uniform(0.5, 0.9) if pose == "relaxed" else 1.0)
            seg = [0.45 * L, 0.3 * L, 0.25 * L]
            ang = (k - 1.5) * spread * side + rng.normal(0, 0.05)
            _finger(c, lines, nails if rng.random() < 0.8 else None, (bases_x[k], 0.38), ang, seg,
                    widths[k], rng.normal(0, 0.08, 3), xf)
    # thumb
    if pose == "fist":
        c.line(xf([[-0.48 * pw, -0.05], [0.05, 0.22]]), P * 0.25, 255)
        lines.line(xf([[-0.3, 0.08], [0.05, 0.22]]), max(0.6, P * 0.03), 150, round_caps=False)
    else:
        ta = -rng.uniform(0.35, 1.3)
        _finger(c, lines, nails if rng.random() < 0.5 else None, (-0.45 * pw, -0.1), ta,
                [0.38 * rng.uniform(0.8, 1.2), 0.3 * rng.uniform(0.8, 1.2)], 0.26, rng.normal(0, 0.1, 2), xf)
    return c.result(), lines.result(), nails.result(), P


TOUCH_POSES = ("cheek", "chin", "mouth")


def _touch(ctx: Ctx, rng):
    """A hand resting on the face: fingers on a cheek, chin on the hand, or a hand over the mouth.
    -> (target point, entry point on the frame edge, size, anchor) for draw_hand."""
    pose = TOUCH_POSES[int(rng.integers(len(TOUCH_POSES)))]
    side = 1 if rng.random() < 0.5 else -1
    if pose == "cheek":
        target = ctx.center + ctx.right * side * rng.uniform(0.2, 0.4) * ctx.fw + ctx.down * rng.uniform(0.0, 0.3) * ctx.fh
        entry = target + ctx.right * side * ctx.S + ctx.down * rng.uniform(0.3, 1.5) * ctx.S
        size, anchor = rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.3)
    elif pose == "chin":
        target = ctx.center + ctx.down * rng.uniform(0.4, 0.55) * ctx.fh + ctx.right * rng.normal(0, 0.1) * ctx.fw
        entry = target + ctx.down * ctx.S + ctx.right * side * rng.uniform(0, 0.6) * ctx.S
        size, anchor = rng.uniform(0.7, 1.2), rng.uniform(-0.2, 0.6)
    else:
        target = ctx.mouth + ctx.right * rng.normal(0, 0.05) * ctx.fw
        entry = target + ctx.down * ctx.S + ctx.right * side * rng.uniform(0.2, 1.0) * ctx.S
        size, anchor = rng.uniform(0.7, 1.1), rng.uniform(0.2, 0.8)
    return np.asarray(target, np.float32), np.asarray(entry, np.float32), size, anchor


def contact_shadow(ah, P, rng):
    """Soft shadow a hand touching the face casts around itself (offset toward a random light)."""
    S = ah.shape[0]
    sig = max(1.0, P * rng.uniform(0.05, 0.12))
    th = rng.uniform(0, 2 * np.pi)
    dx, dy = np.cos(th) * P * 0.06, np.sin(th) * P * 0.06
    sh = T.gaussian(ah, sig)
    sh = np.roll(sh, (int(round(dy)), int(round(dx))), (0, 1))
    return sh * rng.uniform(0.2, 0.5) * (1 - ah)


def occ_hand(ctx: Ctx, rng, p_touch=0.5, own_p=0.45):
    """One or two hands: half of them resting on the face (cheek, chin, mouth) with a contact
    shadow on it; skin of the face's own cheeks/forehead for own_p of them."""
    a = np.zeros((ctx.S, ctx.S), np.float32)
    rgb = np.zeros((ctx.S, ctx.S, 3), np.float32)
    n = 2 if rng.random() < 0.15 else 1
    for k in range(n):
        touch = rng.random() < p_touch
        if touch:
            target, entry, size, anchor = _touch(ctx, rng)
            ah, lines, nails, P = draw_hand(ctx, rng, target, size, entry, anchor)
            ctx.add_shadow(contact_shadow(ah, P, rng))
        else:
            ah, lines, nails, P = draw_hand(ctx, rng)
        col = skin_texture(ctx, rng, ah, P * 0.25, lines, own_p=own_p)
        col = col * (1 - 0.5 * nails[..., None]) + np.clip(col * 1.15 + 0.06, 0, 1) * 0.5 * nails[..., None]
        sig = rng.uniform(0.3, 1.6) if rng.random() < 0.45 else 0
        col, ah = T.soften(col, ah, sig)
        if rng.random() < 0.12:
            L, th = rng.uniform(2, 7), rng.uniform(0, np.pi)
            pm = T.motion_blur(col * ah[..., None], L, th)
            ah = np.clip(T.motion_blur(ah, L, th), 0, 1)
            col = np.where(ah[..., None] > 1e-4, pm / np.maximum(ah[..., None], 1e-4), col)
        rgb, a = over(col, ah, rgb, a)
    return rgb, a


def hair_color(ctx: Ctx, rng):
    u = rng.random()
    if u < 0.45:
        hm = ctx.bank.info[ctx.donor()]["hair_mean"]
        if hm is not None:
            return np.clip(hm * rng.uniform(0.8, 1.2), 0, 1)
    if u < 0.5 and ctx.info["hair_mean"] is not None:
        return ctx.info["hair_mean"]
    pal = np.array([[0.06, 0.05, 0.05], [0.2, 0.13, 0.08], [0.35, 0.22, 0.12], [0.6, 0.45, 0.25],
                    [0.85, 0.72, 0.45], [0.5, 0.2, 0.1], [0.7, 0.7, 0.7], [0.9, 0.9, 0.85]])
    c = pal[rng.integers(len(pal))] if rng.random() < 0.9 else T.rand_color(rng)
    return np.clip(c * rng.uniform(0.8, 1.2), 0, 1).astype(np.float32)


def occ_hair(ctx: Ctx, rng):
    """Locks of thin strands (soft alpha from width < 1 px and per-strand opacity)."""
    S = ctx.S
    ca = T.Canvas(S, S, 3)
    cc = T.Canvas(S, S, 3, mode="RGB")
    base_col = hair_color(ctx, rng)
    hairline = ctx.center - ctx.down * 0.55 * ctx.fh
    for _ in range(int(rng.integers(1, 4))):
        p0 = hairline + ctx.right * rng.uniform(-0.7, 0.7) * ctx.fw - ctx.down * rng.uniform(0, 0.2) * ctx.fh
        p3 = ctx.face_point(dx=(-0.6, 0.6), dy=(-0.35, 0.65))
        dv = p3 - p0
        nv = np.array([-dv[1], dv[0]]) / (np.linalg.norm(dv) + 1e-6)
        p1 = p0 + dv * 0.33 + nv * rng.normal(0, 0.25) * np.linalg.norm(dv)
        p2 = p0 + dv * 0.66 + nv * rng.normal(0, 0.25) * np.linalg.norm(dv)
        curve = T.bezier([p0, p1, p2, p3], 28)
        tang = np.gradient(curve, axis=0)
        nrm = np.stack([-tang[:, 1], tang[:, 0]], 1) / (np.linalg.norm(tang, axis=1, keepdims=True) + 1e-6)
        dense = rng.random() < 0.4
        n = int(rng.integers(60, 180) if dense else rng.integers(8, 60))
        sp0 = rng.uniform(0.005, 0.05) * ctx.fw
        sp1 = rng.uniform(0.03, 0.2) * ctx.fw
        t = np.linspace(0, 1, len(curve))[:, None]
        for _ in range(n):
            z = rng.normal()
            wave = rng.uniform(0, 0.02) * ctx.fw * np.sin(2 * np.pi * (t * rng.uniform(1, 4) + rng.random()))
            off = (sp0 + (sp1 - sp0) * t) * z + wave
            pts = curve + nrm * off
            # strands end at random lengths
            m = int(len(pts) * rng.uniform(0.5, 1.0)) if rng.random() < 0.5 else len(pts)
            pts = pts[:max(2, m)]
            op = rng.uniform(0.45, 1.0)
            col = np.clip(base_col * rng.uniform(0.7, 1.35), 0, 1)
            w = rng.uniform(0.35, 1.6)
            ca.line(pts, w, 255 * op, round_caps=False)
            cc.line(pts, w, col * 255 * op, round_caps=False)
    a = ca.result()
    rgb = cc.result()
    rgb = np.clip(rgb / np.maximum(a[..., None], 1e-3), 0, 1)
    rgb = np.where(a[..., None] > 1e-3, rgb, base_col)
    if rng.random() < 0.3:
        rgb, a = T.soften(rgb, a, rng.uniform(0.3, 0.8))
    return rgb, a


def occ_glasses(ctx: Ctx, rng):
    S = ctx.S
    e1, e2 = ctx.info["eyes"]
    dvec = e2 - e1
    d = float(np.linalg.norm(dvec)) + 1e-6
    th = float(np.arctan2(dvec[1], dvec[0]))
    nrm = np.array([-np.sin(th), np.cos(th)], np.float32)
    a_ = d * rng.uniform(0.36, 0.5)
    b_ = a_ * rng.uniform(0.55, 0.95)
    p = rng.uniform(2, 5)
    bs = rng.uniform(1.0, 1.35) if rng.random() < 0.3 else 1.0
    lift = -nrm * d * rng.uniform(0.0, 0.1)
    kind = rng.choice(["clear", "tinted", "sun"], p=[0.3, 0.35, 0.35])
    if kind == "clear":
        la, lcol = rng.uniform(0.05, 0.25), np.clip(rng.uniform(0.6, 1.0, 3), 0, 1)
    elif kind == "tinted":
        la = rng.uniform(0.3, 0.75)
        lcol = np.array([[0.4, 0.3, 0.15], [0.3, 0.3, 0.3], [0.2, 0.4, 0.25], [0.2, 0.3, 0.6],
                         [0.8, 0.4, 0.5], [0.8, 0.7, 0.2]])[rng.integers(6)] * rng.uniform(0.6, 1.2)
    else:
        la, lcol = rng.uniform(0.8, 1.0), rng.uniform(0.0, 0.2, 3)
    rim_w = d * (rng.uniform(0.015, 0.035) if rng.random() < 0.5 else rng.uniform(0.04, 0.09)) * ctx.scale
    rim_col = (np.array([[0.05, 0.05, 0.05], [0.3, 0.18, 0.08], [0.75, 0.6, 0.3], [0.7, 0.7, 0.72]])
               [rng.integers(4)] if rng.random() < 0.8 else T.rand_color(rng))
    rimless = rng.random() < 0.1
    lens_c, rim_c = T.Canvas(S, S), T.Canvas(S, S)
    grad_c = T.Canvas(S, S)
    lens_pts = []
    for e in (e1, e2):
        c = e + lift
        pts_src = T.superellipse(c[0], c[1], a_, b_, p, th, bottom_scale=bs)
        pts = ctx.out(pts_src)
        lens_pts.append((pts_src, pts))
        lens_c.polygon(pts)
        if not rimless:
            rim_c.line(np.vstack([pts, pts[:1]]), rim_w, 255, round_caps=False)
        # reflection band
        if rng.random() < 0.6:
            off = rng.uniform(-0.5, 0.5) * a_
            u = np.array([np.cos(th), np.sin(th)], np.float32)
            band = [c + u * (off - 0.15 * a_) - nrm * b_, c + u * (off + 0.15 * a_) - nrm * b_,
                    c + u * (off + 0.5 * a_) + nrm * b_, c + u * (off + 0.2 * a_) + nrm * b_]
            grad_c.polygon(ctx.out(band), 255 * rng.uniform(0.3, 0.8))
    # bridge and temples
    (l_src, _), (r_src, _) = lens_pts
    u = np.array([np.cos(th), np.sin(th)], np.float32)
    inner_l = (e1 + lift) + u * a_ * 0.95 - nrm * b_ * 0.3
    inner_r = (e2 + lift) - u * a_ * 0.95 - nrm * b_ * 0.3
    mid = (inner_l + inner_r) / 2 - nrm * d * rng.uniform(0.0, 0.08)
    rim_c.line(ctx.out(T.bezier([inner_l, mid, inner_r], 10)), max(rim_w, 0.8), 255)
    fb = ctx.info["fb"]
    for e, sgn in ((e1, -1), (e2, 1)):
        st = e + lift + sgn * u * a_ - nrm * b_ * 0.4
        en = st + sgn * u * max(0.0, abs(((fb[2] if sgn > 0 else fb[0]) - st[0])) + 0.1 * d) - nrm * 0.05 * d
        rim_c.line(ctx.out([st, en]), max(rim_w * 0.8, 0.8), 255)
    lens = lens_c.result()
    rim = rim_c.result()
    refl = grad_c.result() * lens
    la_map = lens * la
    if rng.random() < 0.3:  # gradient lenses: darker on top
        yy = (np.mgrid[0:S, 0:S][0].astype(np.float32) - ctx.eyes[:, 1].mean()) / max(ctx.fh * 0.15, 1)
        la_map = lens * np.clip(la * (1 - 0.6 * np.clip(yy, -1, 1) * 0.5 - 0.3), 0.02, 1)
    la_map = np.clip(la_map + refl * 0.5, 0, 1)
    lcol_map = lcol * (1 - refl[..., None]) + refl[..., None] * 0.95
    a = np.maximum(rim, la_map)
    rgb = np.where(rim[..., None] > 0.5, rim_col, lcol_map)
    rgb = rgb * (1 + 0.08 * (T.fractal_noise(rng, S, S, base_cell=20, octaves=2) - 0.5))
    return np.clip(rgb, 0, 1).astype(np.float32), np.clip(a, 0, 1)


def occ_mask(ctx: Ctx, rng):
    """Surgical / cloth / N95 mask on the lower face, with ear loops."""
    S = ctx.S
    inf = ctx.info
    nose, fb = inf["nose"], inf["fb"]
    fh = fb[3] - fb[1]
    top = nose[1] + (nose[3] - nose[1]) * rng.uniform(0.2, 0.6)
    chin = fb[3] + fh * rng.uniform(-0.02, 0.12)
    row_l, row_r = inf["row_l"], inf["row_r"]
    ys = np.linspace(top, fb[3] - 2, 8)
    left, right = [], []
    for y in ys:
        yi = int(np.clip(y, 0, len(row_l) - 1))
        l, r = (row_l[yi], row_r[yi]) if row_l[yi] >= 0 else (fb[0], fb[2])
        m = (r - l) * rng.uniform(0.0, 0.08)
        left.append([l - m, y])
        right.append([r + m, y])
    cx = (nose[0] + nose[2]) / 2
    peak = [cx, top - (nose[3] - nose[1]) * rng.uniform(0.05, 0.35)]
    bottom = [[right[-1][0] - 0.1 * (right[-1][0] - cx), chin - 0.1 * fh], [cx, chin],
              [left[-1][0] + 0.1 * (cx - left[-1][0]), chin - 0.1 * fh]]
    poly_src = np.array([left[0], peak] + right + bottom + left[::-1][:-1], np.float32)
    poly_src = T.chaikin(poly_src, 2)
    poly = ctx.out(poly_src)
    c = T.Canvas(S, S)
    c.polygon(poly)
    a = c.result()
    kind = rng.choice(["surgical", "cloth", "n95"], p=[0.45, 0.4, 0.15])
    if kind == "surgical":
        base = np.array([[0.55, 0.75, 0.92], [0.93, 0.94, 0.95], [0.6, 0.85, 0.75], [0.9, 0.7, 0.75],
                         [0.12, 0.12, 0.13]])[rng.integers(5)]
        tex = np.broadcast_to(base * rng.uniform(0.85, 1.08), (S, S, 3)).astype(np.float32)
    elif kind == "cloth":
        tex = T.texture(rng, S, S)
    else:
        tex = np.broadcast_to(np.array([0.92, 0.92, 0.9]) * rng.uniform(0.85, 1.05), (S, S, 3)).astype(np.float32)
    shade = np.ones((S, S), np.float32)
    lc = T.Canvas(S, S)
    if kind == "surgical":  # pleats: horizontal lines across the mask
        for k in range(3):
            yk = top + (chin - top) * (0.3 + 0.2 * k + rng.uniform(-0.04, 0.04))
            lc.line(ctx.out([[fb[0] - 0.1 * fh, yk], [fb[2] + 0.1 * fh, yk]]), max(0.7, 0.012 * fh * ctx.scale), 255,
                    round_caps=False)
    elif kind == "n95":
        lc.line(ctx.out([[cx, top], [cx, chin]]), max(0.7, 0.008 * fh * ctx.scale), 255)
    shade *= 1 - 0.25 * T.gaussian(lc.result(), 0.8)
    e = T.gaussian(a, max(1.0, 0.05 * ctx.fh))
    shade *= 0.7 + 0.3 * np.clip((e - 0.5) * 2.2, 0, 1) ** 0.5
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    lth = rng.uniform(0, 2 * np.pi)
    shade *= 1 + rng.uniform(0, 0.2) * np.clip(((xx - ctx.center[0]) * np.cos(lth) + (yy - ctx.center[1]) * np.sin(lth))
                                               / max(ctx.fw, 4), -1, 1)
    rgb = tex * shade[..., None]
    # ear loops
    loops = T.Canvas(S, S)
    loop_col = tex[int(np.clip(ctx.mouth[1], 0, S - 1)), int(np.clip(ctx.mouth[0], 0, S - 1))] * 0.95
    for side, ear in ((-1, inf["ears"][0]), (1, inf["ears"][1])):
        ex = ear if ear is not None else np.array([fb[0] - 0.05 * fh if side < 0 else fb[2] + 0.05 * fh,
                                                   fb[1] + 0.4 * fh], np.float32)
        corner_t = left[0] if side < 0 else right[0]
        corner_b = left[-1] if side < 0 else right[-1]
        for cpt in (corner_t, corner_b):
            if rng.random() < 0.85:
                loops.line(ctx.out(T.bezier([cpt, (np.array(cpt) + ex) / 2 + [0, -0.03 * fh], ex], 10)),
                           max(0.6, 0.01 * fh * ctx.scale), 255)
    la = loops.result() * (1 - a)
    rgb = rgb * (1 - la[..., None]) + loop_col * la[..., None]
    a = np.maximum(a, la)
    return np.clip(rgb, 0, 1).astype(np.float32), a


def _cyl_shade(mask_axis_coord, rng):
    """Cylinder-like shading along a [-1,1] coordinate across an object."""
    return 0.55 + 0.45 * np.cos(np.clip(mask_axis_coord, -1, 1) * rng.uniform(1.0, 1.45))


def _local_coords(S, origin, axis):
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    dx, dy = xx - origin[0], yy - origin[1]
    u = dx * axis[0] + dy * axis[1]
    v = -dx * axis[1] + dy * axis[0]
    return u, v


def occ_mic(ctx: Ctx, rng):
    S = ctx.S
    kind = rng.choice(["handheld", "handheld", "podcast", "headset"])
    rgb = np.zeros((S, S, 3), np.float32)
    a = np.zeros((S, S), np.float32)
    fw = max(ctx.fw, 8)
    if kind == "headset":
        ear = ctx.center + ctx.right * (0.55 if rng.random() < 0.5 else -0.55) * ctx.fw
        tip = ctx.mouth + ctx.right * rng.uniform(-0.3, 0.3) * ctx.fw + ctx.down * rng.uniform(-0.05, 0.1) * ctx.fh
        mid = (ear + tip) / 2 + ctx.down * rng.uniform(0.05, 0.25) * ctx.fh
        c = T.Canvas(S, S)
        c.line(T.bezier([ear, mid, tip], 16), max(0.7, rng.uniform(0.01, 0.03) * fw), 255)
        r = rng.uniform(0.04, 0.09) * fw
        c.ellipse(tip[0], tip[1], r, r * rng.uniform(0.8, 1.2))
        a = c.result()
        rgb[:] = T.rand_color(rng) * 0.3 if rng.random() < 0.7 else T.rand_color(rng)
        rgb *= (1 + 0.1 * (T.fractal_noise(rng, S, S, 6, 2) - 0.5))
        return np.clip(rgb, 0, 1), a
    if kind == "handheld":
        r = rng.uniform(0.13, 0.24) * fw
        head = ctx.mouth + ctx.right * rng.uniform(-0.35, 0.35) * ctx.fw + ctx.down * rng.uniform(-0.15, 0.35) * ctx.fh
        ent = ctx.edge_point()
        axis = ent - head
        axis /= np.linalg.norm(axis) + 1e-6
        L = rng.uniform(1.0, 2.2) * ctx.fh
        perp = np.array([-axis[1], axis[0]])
        hw0, hw1 = r * rng.uniform(0.45, 0.6), r * rng.uniform(0.3, 0.45)
        handle = [head + perp * hw0, head - perp * hw0, head + axis * L - perp * hw1, head + axis * L + perp * hw1]
        ch = T.Canvas(S, S)
        ch.polygon(handle)
        ah = ch.result()
        u, v = _local_coords(S, head, axis)
        hcol = (np.array([[0.08, 0.08, 0.09], [0.6, 0.6, 0.62], [0.2, 0.2, 0.22]])[rng.integers(3)]
                if rng.random() < 0.85 else T.rand_color(rng))
        hrgb = hcol * _cyl_shade(v / (hw0 + 1e-6), rng)[..., None]
        cg = T.Canvas(S, S)
        cg.ellipse(head[0], head[1], r, r * rng.uniform(0.9, 1.15))
        ag = cg.result()
        # mesh grille: grid lines + spherical shading + highlight
        per = max(1.5, r / rng.uniform(3, 7))
        th = rng.uniform(0, np.pi)
        gu, gv = _local_coords(S, head, np.array([np.cos(th), np.sin(th)]))
        grid = np.maximum(np.abs(np.sin(np.pi * gu / per)), np.abs(np.sin(np.pi * gv / per))) ** 8
        gcol = np.array([0.7, 0.7, 0.72]) if rng.random() < 0.6 else np.array([0.15, 0.15, 0.16])
        rr = np.hypot(u, v) / (r + 1e-6)
        sph = np.clip(1 - 0.5 * rr ** 2, 0.3, 1)
        grgb = gcol * (0.7 + 0.3 * grid)[..., None] * sph[..., None]
        hl = np.exp(-((u + 0.4 * r) ** 2 + (v - 0.3 * r) ** 2) / (0.1 * r * r + 1))
        grgb = np.clip(grgb + 0.35 * hl[..., None], 0, 1)
        rgb = grgb * ag[..., None] + hrgb * (1 - ag[..., None])
        a = np.maximum(ag, ah)
    else:  # podcast mic from the side, optional pop filter and arm
        sgn = 1 if rng.random() < 0.5 else -1
        body_c = ctx.mouth + ctx.right * sgn * rng.uniform(0.0, 0.5) * ctx.fw + ctx.down * rng.uniform(-0.1, 0.35) * ctx.fh
        axis = T.rot(rng.normal(0, 0.4)) @ (ctx.down.astype(np.float32))
        hw, hl_ = rng.uniform(0.15, 0.25) * fw, rng.uniform(0.35, 0.6) * fw
        pts = T.superellipse(0, 0, hw, hl_, p=4)
        perp = np.array([-axis[1], axis[0]])
        pts = body_c + pts[:, :1] * perp + pts[:, 1:] * axis
        cb = T.Canvas(S, S)
        cb.polygon(pts)
        arm_end = ctx.edge_point()
        cb.line([body_c + axis * hl_, arm_end], max(1.0, 0.05 * fw), 255)
        a = cb.result()
        u, v = _local_coords(S, body_c, axis)
        per = max(1.5, hw / rng.uniform(3, 6))
        grid = (np.abs(np.sin(np.pi * v / per)) ** 6)
        col = np.array([0.1, 0.1, 0.11]) if rng.random() < 0.7 else np.array([0.6, 0.6, 0.62])
        rgb = col * (_cyl_shade(v / hw, rng) * (0.8 + 0.2 * grid))[..., None]
        if rng.random() < 0.6:  # pop filter: semi-transparent mesh disc in front of the mouth
            pc = ctx.mouth + ctx.right * rng.uniform(-0.25, 0.25) * ctx.fw
            pr = rng.uniform(0.25, 0.45) * fw
            cp = T.Canvas(S, S)
            cp.ellipse(pc[0], pc[1], pr, pr)
            ring = T.Canvas(S, S)
            circ = np.stack([pc[0] + pr * np.cos(np.linspace(0, 2 * np.pi, 40)),
                             pc[1] + pr * np.sin(np.linspace(0, 2 * np.pi, 40))], 1)
            ring.line(circ, max(1.0, 0.03 * fw), 255)
            ap = cp.result() * rng.uniform(0.3, 0.65)
            ar = ring.result()
            ap = np.maximum(ap, ar)
            pcol = np.broadcast_to(np.array([0.05, 0.05, 0.06], np.float32), (S, S, 3))
            rgb, a = over(pcol, ap, rgb, a)
    return np.clip(rgb, 0, 1).astype(np.float32), np.clip(a, 0, 1)


def _holding_fingers(ctx: Ctx, rng, center, axis, half_w, half_h, n=None):
    """Fingers wrapped around an object's side edge (skin texture from another face)."""
    S = ctx.S
    c, lines = T.Canvas(S, S), T.Canvas(S, S)
    perp = np.array([-axis[1], axis[0]], np.float32)
    side = 1 if rng.random() < 0.5 else -1
    n = n or int(rng.integers(2, 5))
    fwid = max(2.0, rng.uniform(0.1, 0.16) * ctx.fh)
    for k in range(n):
        t = (k - (n - 1) / 2) * fwid * 1.05 + rng.normal(0, 0.1) * fwid
        st = center + perp * side * (half_w + fwid * 1.5) + axis * t
        en = center + perp * side * (half_w - rng.uniform(0.2, 0.9) * half_w) + axis * t
        c.line([st, en], fwid, 255)
        lines.line([st + axis * fwid * 0.48, en + axis * fwid * 0.48], max(0.6, fwid * 0.08), 200, round_caps=False)
    a = c.result()
    rgb = skin_texture(ctx, rng, a, fwid, lines.result())
    return rgb, a


def occ_phone(ctx: Ctx, rng):
    S = ctx.S
    H = rng.uniform(0.5, 1.1) * max(ctx.fh, 8)
    W = H * rng.uniform(0.45, 0.53)
    if rng.random() < 0.5:  # calling: against a cheek
        cen = ctx.center + ctx.right * (1 if rng.random() < 0.5 else -1) * rng.uniform(0.25, 0.55) * ctx.fw
        ang = ctx.angle + rng.normal(0, 0.35)
    else:  # in front of the face
        cen = ctx.face_point(dx=(-0.4, 0.4), dy=(-0.3, 0.5))
        ang = rng.uniform(-np.pi, np.pi)
    axis = T.rot(ang) @ np.array([0, 1], np.float32)
    perp = np.array([-axis[1], axis[0]])
    pts = T.superellipse(0, 0, W / 2, H / 2, p=rng.uniform(5, 10))
    pts = cen + pts[:, :1] * perp + pts[:, 1:] * axis
    c = T.Canvas(S, S)
    c.polygon(pts)
    a = c.result()
    u, v = _local_coords(S, cen, axis)  # u along the long axis, v across
    body = (np.array([0.05, 0.05, 0.06]) if rng.random() < 0.4 else T.rand_color(rng))
    rgb = np.broadcast_to(body, (S, S, 3)).astype(np.float32).copy()
    if rng.random() < 0.5:  # screen side
        scr = (np.abs(u) < H / 2 * 0.9) & (np.abs(v) < W / 2 * 0.88)
        g = np.clip(0.5 + u / H, 0, 1)[..., None]
        scol = T.rand_color(rng) * 0.3 * g + 0.05
        rgb = np.where(scr[..., None], scol, rgb * 0.3)
    else:  # back: camera bump
        cu, cv = -H / 2 * 0.72, -W / 2 * 0.45 * (1 if rng.random() < 0.5 else -1)
        bump = (np.abs(u - cu) < H * 0.13) & (np.abs(v - cv) < W * 0.22)
        rgb = np.where(bump[..., None], rgb * 0.7, rgb)
        for k in range(int(rng.integers(1, 4))):
            lu, lv = cu + (k - 1) * H * 0.08, cv
            d = np.hypot(u - lu, v - lv)
            rgb = np.where((d < W * 0.08)[..., None], 0.04, np.where((d < W * 0.1)[..., None], 0.5, rgb))
    # edge highlight
    e = T.gaussian(a, max(0.7, 0.03 * W))
    rgb = rgb * (0.75 + 0.25 * np.clip((e - 0.5) * 3, 0, 1))[..., None]
    rgb = np.clip(rgb + 0.25 * np.exp(-((v + W * 0.3) ** 2) / (0.02 * W * W + 1))[..., None] * rng.uniform(0, 1), 0, 1)
    if rng.random() < 0.6:
        frgb, fa = _holding_fingers(ctx, rng, cen, axis, W / 2, H / 2)
        rgb, a = over(frgb, fa, rgb, a)
    return rgb.astype(np.float32), np.clip(a, 0, 1)


def occ_cup(ctx: Ctx, rng):
    S = ctx.S
    W = rng.uniform(0.3, 0.6) * max(ctx.fw, 8)
    H = W * rng.uniform(0.9, 1.45)
    kind = rng.choice(["mug", "mug", "paper", "glass"])
    tilt = rng.normal(0, 0.25) + (rng.uniform(0.3, 0.9) * (1 if rng.random() < 0.5 else -1) if rng.random() < 0.35 else 0)
    axis = T.rot(ctx.angle + tilt) @ np.array([0, 1], np.float32)  # top -> bottom
    perp = np.array([-axis[1], axis[0]])
    rim = ctx.mouth + ctx.right * rng.uniform(-0.3, 0.3) * ctx.fw + ctx.down * rng.uniform(-0.2, 0.25) * ctx.fh
    cen = rim + axis * H / 2
    taper = rng.uniform(0.72, 0.85) if kind == "paper" else 1.0
    body = [rim - perp * W / 2, rim + perp * W / 2, rim + axis * H + perp * W / 2 * taper, rim + axis * H - perp * W / 2 * taper]
    c = T.Canvas(S, S)
    c.polygon(body)
    ell = T.superellipse(0, 0, W / 2, W * rng.uniform(0.08, 0.18), 2)
    ell_b = rim + axis * H + ell[:, :1] * perp * taper + ell[:, 1:] * axis
    c.polygon(ell_b)
    ell_t = rim + ell[:, :1] * perp + ell[:, 1:] * axis
    c.polygon(ell_t)
    handle_c = T.Canvas(S, S)
    if kind == "mug":
        hs = 1 if rng.random() < 0.5 else -1
        hc = rim + axis * H * 0.45 + perp * hs * W * 0.55
        ring = T.superellipse(0, 0, W * 0.22, H * 0.28, 2)
        ring = hc + ring[:, :1] * perp + ring[:, 1:] * axis
        handle_c.line(np.vstack([ring, ring[:1]]), max(1.0, W * 0.1), 255, round_caps=False)
    a_body = c.result()
    a_h = handle_c.result()
    u, v = _local_coords(S, cen, axis)
    col = T.rand_color(rng)
    if kind == "paper":
        col = np.array([0.95, 0.95, 0.93]) if rng.random() < 0.6 else np.array([0.6, 0.45, 0.3])
    tex = np.broadcast_to(col, (S, S, 3)).astype(np.float32).copy()
    if rng.random() < 0.4:
        tex = T.texture(rng, S, S)
    if kind == "paper" and rng.random() < 0.7:  # sleeve
        sl = (u > -H * 0.15) & (u < H * 0.2)
        tex = np.where(sl[..., None], np.array([0.55, 0.4, 0.25]) * rng.uniform(0.8, 1.1), tex)
    shade = _cyl_shade(v / (W / 2), rng)
    rgb = tex * shade[..., None]
    tc = T.Canvas(S, S)
    tc.polygon(ell_t)
    at = tc.result()
    inner = np.array([0.25, 0.13, 0.06]) if rng.random() < 0.5 else col * 0.5
    rgb = rgb * (1 - at[..., None]) + inner * at[..., None]
    a = a_body
    if kind == "glass":
        ab = a_body * rng.uniform(0.2, 0.5)
        e = T.gaussian(a_body, max(0.7, 0.04 * W))
        edge = np.clip(1 - np.abs(e - 0.5) * 4, 0, 1) * a_body
        a = np.clip(ab + 0.6 * edge, 0, 1)
        rgb = np.clip(np.broadcast_to(np.array([0.85, 0.9, 0.92]), (S, S, 3)) * (0.7 + 0.3 * shade[..., None]), 0, 1)
    a = np.maximum(a, a_h)
    rgb = np.where(a_h[..., None] > a_body[..., None], tex * 0.85, rgb)
    if rng.random() < 0.5:
        frgb, fa = _holding_fingers(ctx, rng, cen, axis, W / 2, H / 2, n=int(rng.integers(2, 5)))
        rgb, a = over(frgb, fa, rgb, a)
    return np.clip(rgb, 0, 1).astype(np.float32), np.clip(a, 0, 1)


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
        bb = _bbox(m)
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


GENERATORS = {"hand": occ_hand, "hair": occ_hair, "glasses": occ_glasses, "mask": occ_mask, "mic": occ_mic,
              "phone": occ_phone, "cup": occ_cup, "shape": occ_shape, "crop": occ_crop}


# ----------------------------------------------------------------------------- backgrounds
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


# ----------------------------------------------------------------------------- augmentation
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


# ----------------------------------------------------------------------------- sample
class Synthesizer:
    def __init__(self, bank: FaceBank, size: int = 256, cfg: dict | None = None):
        self.bank, self.S = bank, size
        cfg = dict(cfg or {})
        self.p_clean = cfg.get("p_clean", 0.2)
        self.p_second = cfg.get("p_second", 0.25)
        self.p_aligned = cfg.get("p_aligned", 0.25)
        self.p_new_bg = cfg.get("p_new_bg", 0.6)
        self.fill = cfg.get("fill", [0.15, 1.0])
        w = cfg.get("occluder_weights", DEFAULT_WEIGHTS)
        self.types = [k for k in OCCLUDERS if w.get(k, 0) > 0]
        pw = np.array([w[k] for k in self.types], np.float64)
        self.pw = pw / pw.sum()
        self.cfg = cfg

    # geometry ---------------------------------------------------------------------------
    def _affine(self, idx, rng):
        S, src = self.S, self.bank.src
        fb = self.bank.info[idx]["fb"]
        fh = fb[3] - fb[1]
        c_src = np.array([(fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2], np.float32)
        flip = -1.0 if rng.random() < 0.5 else 1.0
        if rng.random() < self.p_aligned:  # CelebA-like framing (the whole photo), small jitter
            s = S / src * rng.uniform(0.9, 1.12)
            th = rng.normal(0, 0.06)
            t = np.array([S / 2, S / 2], np.float32) + (c_src - src / 2) * s + rng.normal(0, 0.03 * S, 2)
            t = t.astype(np.float32)
            if flip < 0:
                t[0] = S - t[0]
        else:
            lo, hi = self.fill
            f = rng.uniform(lo, hi) if rng.random() < 0.7 else float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            s = f * S / fh
            th = float(np.clip(rng.normal(0, 0.18), -0.5, 0.5))
            half = f * S / 2
            m = max(0.0, S / 2 - half * 0.8)
            t = np.array([S / 2, S / 2], np.float32) + rng.uniform(-1, 1, 2).astype(np.float32) * m
        A = (s * T.rot(th) @ np.diag([flip, 1.0])).astype(np.float32)
        b = (t - A @ c_src).astype(np.float32)
        return A, b

    def _warp(self, idx, A, b):
        """Warp the photo, the face mask and the person mask into the output frame."""
        S, src = self.S, self.bank.src
        s = float(np.sqrt(abs(np.linalg.det(A))))
        k = 1
        while s * k < 0.55 and k < 8:
            k *= 2
        img = Image.fromarray(self.bank.imgs[idx])
        lab = self.bank.labs[idx]
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

    # sample -----------------------------------------------------------------------------
    def sample(self, idx: int, rng: np.random.Generator, occ_type: str | None = None,
               augment: bool = True, return_layers: bool = False) -> dict:
        """occ_type: None (random from the training mix), 'clean', or one of OCCLUDERS."""
        S = self.S
        A, b = self._affine(idx, rng)
        img, face, person, valid = self._warp(idx, A, b)
        bg = background(self.bank, idx, S, rng)
        if rng.random() < self.p_new_bg:
            pm = T.gaussian(person, rng.uniform(0.3, 1.0)) * valid
            frame = img * pm[..., None] + bg * (1 - pm[..., None])
        else:
            frame = img * valid[..., None] + bg * (1 - valid[..., None])
        ctx = Ctx(self.bank, idx, S, A, b, rng)
        if occ_type is None:
            types = [] if rng.random() < self.p_clean else [self.types[rng.choice(len(self.types), p=self.pw)]]
            if types and rng.random() < self.p_second:
                types.append(self.types[rng.choice(len(self.types), p=self.pw)])
        elif occ_type == "clean":
            types = []
        else:
            types = [occ_type]
        occ = np.zeros((S, S), np.float32)
        layers = []
        for t in types:
            for _attempt in range(4):  # the occluder must actually cover part of the face
                ctx.shadow = None
                rgb, a = GENERATORS[t](ctx, rng)
                if (a * face).sum() >= 0.01 * max(face.sum(), 1.0):
                    break
            a = np.clip(a, 0, 1).astype(np.float32)
            # occluders share the scene's light a little
            rgb = np.clip(rgb * rng.uniform(0.8, 1.1), 0, 1)
            layers.append((rgb, a, ctx.shadow))
        for _rgb, _a, sh in layers:  # contact shadows darken the scene (the face stays face)
            if sh is not None:
                frame = frame * (1 - sh[..., None])
        base = frame.copy()
        for rgb, a, _sh in layers:
            frame = rgb * a[..., None] + frame * (1 - a[..., None])
            occ = a + occ * (1 - a)
        layers = [(rgb, a) for rgb, a, _sh in layers]
        target = face * (1 - occ)
        out_img = photometric(frame, rng, self.cfg) if augment else (np.clip(frame, 0, 1) * 255 + 0.5).astype(np.uint8)
        res = {"image": out_img, "alpha": target.astype(np.float32), "face": face.astype(np.float32),
               "occ": occ.astype(np.float32), "type": "+".join(types) if types else "clean"}
        if return_layers:
            res["base"] = base
            res["layers"] = layers
            res["frame"] = frame
        return res
