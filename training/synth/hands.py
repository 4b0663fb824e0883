"""Hands: procedural hands in random poses, reaching in from a frame edge or resting on the face
with a contact shadow (occ_hand), and fingers holding an object (holding_fingers)."""
from __future__ import annotations

import numpy as np

from .. import textures as T
from .composite import over
from .placement import Ctx
from .skin import skin_texture


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
            col, ah = T.motion_blur_layer(col, ah, rng)
        rgb, a = over(col, ah, rgb, a)
    return rgb, a


def holding_fingers(ctx: Ctx, rng, center, axis, half_w, half_h, n=None):
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
