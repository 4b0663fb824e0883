"""Occluders fitted to the face's own landmarks: locks of hair falling from the hairline,
glasses on the eyes, masks on the lower face."""
from __future__ import annotations

import numpy as np

from .. import textures as T
from .composite import over
from .placement import Ctx


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


LENS_TINTS = np.array([[0.4, 0.3, 0.15], [0.3, 0.3, 0.3], [0.2, 0.4, 0.25], [0.2, 0.3, 0.6],
                       [0.8, 0.4, 0.5], [0.8, 0.7, 0.2]], np.float32)
MIRROR_TINTS = np.array([[0.85, 0.85, 0.9], [0.9, 0.7, 0.3], [0.3, 0.55, 0.95], [0.85, 0.4, 0.7],
                         [0.4, 0.85, 0.6], [0.95, 0.45, 0.2]], np.float32)


def mirror_texture(ctx: Ctx, rng):
    """What a mirrored lens reflects: a bright sky-like top and a darker ground, a blurred
    scene (a random texture or another face's photo) and the coating's tint."""
    S = ctx.S
    yy = np.mgrid[0:S, 0:S][0].astype(np.float32)
    cy = float(ctx.eyes[:, 1].mean())
    h = np.clip((yy - cy) / max(ctx.fh * 0.12, 2.0), -1, 1)[..., None]  # -1 top .. +1 bottom of the lens
    sky, ground = T.rand_color(rng, "natural") * 0.4 + 0.6, T.rand_color(rng, "natural") * 0.5
    grad = sky * (1 - h) / 2 + ground * (1 + h) / 2
    if rng.random() < 0.5:
        scene = T.texture(rng, S, S)
    else:
        d = ctx.donor()
        scene = T.resize_float(ctx.bank.imgs[d].astype(np.float32) / 255, S, S)
    scene = T.gaussian(scene, rng.uniform(0.5, 2.0))
    tex = grad * rng.uniform(0.3, 0.6) + scene * rng.uniform(0.4, 0.8)
    tint = MIRROR_TINTS[rng.integers(len(MIRROR_TINTS))] * rng.uniform(0.8, 1.15)
    return np.clip(tex * tint * rng.uniform(0.9, 1.3), 0, 1).astype(np.float32)


def occ_glasses(ctx: Ctx, rng, lens: dict | None = None):
    """Glasses on the eyes: rims, bridge, temples and lenses. lens=None: the original clear /
    tinted / sun lenses. lens (the synth config's "lens" dict) = {"opacity": [lo, hi] (uniform),
    "p_mirror": mirrored lenses (opacity >= 0.7, a reflection texture), "p_gradient": darker on
    top, "p_band": a glare band}: the lens has opacity p, the eye region behind it is
    background in proportion, i.e. its matte target is face * (1 - p), and the image is
    lens_rgb * p + face * (1 - p) (the same 'over' as every occluder)."""
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
    mirror = False
    if lens is None:
        kind = rng.choice(["clear", "tinted", "sun"], p=[0.3, 0.35, 0.35])
        if kind == "clear":
            la, lcol = rng.uniform(0.05, 0.25), np.clip(rng.uniform(0.6, 1.0, 3), 0, 1)
        elif kind == "tinted":
            la = rng.uniform(0.3, 0.75)
            lcol = np.array([[0.4, 0.3, 0.15], [0.3, 0.3, 0.3], [0.2, 0.4, 0.25], [0.2, 0.3, 0.6],
                             [0.8, 0.4, 0.5], [0.8, 0.7, 0.2]])[rng.integers(6)] * rng.uniform(0.6, 1.2)
        else:
            la, lcol = rng.uniform(0.8, 1.0), rng.uniform(0.0, 0.2, 3)
    else:
        lo, hi = lens.get("opacity", [0.0, 1.0])
        # the same draws whatever the opacity: the frame's geometry depends on the seed alone
        la = float(rng.uniform(lo, hi))
        u_mirror, la_mirror = rng.random(), float(rng.uniform(max(lo, 0.7), max(hi, 0.7)))
        clear_col, dark_col, u_dark = rng.uniform(0.6, 1.0, 3), rng.uniform(0.0, 0.2, 3), rng.random()
        tint = LENS_TINTS[rng.integers(len(LENS_TINTS))] * rng.uniform(0.5, 1.2)
        mirror = hi >= 0.7 and u_mirror < lens.get("p_mirror", 0.2)
        if mirror:
            la = max(la, la_mirror)
        if la < 0.2:  # clear: faint grey-white reflectance
            lcol = clear_col
        elif la > 0.75 and u_dark < 0.6:  # dark sunglasses
            lcol = dark_col
        else:
            lcol = tint
        lcol = np.clip(lcol, 0, 1).astype(np.float32)
    p_band = 0.6 if lens is None else lens.get("p_band", 0.5)
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
        if rng.random() < p_band:
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
    if lens is not None:
        return _lens_layers(ctx, rng, lens, lens_c.result(), rim_c.result(), grad_c.result(), la, lcol,
                            mirror, rim_col)
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


def _lens_layers(ctx, rng, cfg, lens, rim, band, la, lcol, mirror, rim_col):
    """Lenses of opacity la (tinted or mirrored, optional gradient and glare band) under the rims."""
    S = ctx.S
    la_map = lens * la
    if rng.random() < cfg.get("p_gradient", 0.25):  # gradient lenses: darker on top
        yy = (np.mgrid[0:S, 0:S][0].astype(np.float32) - ctx.eyes[:, 1].mean()) / max(ctx.fh * 0.15, 1)
        la_map = lens * np.clip(la * (1.0 - 0.45 * np.clip(yy, -1, 1)), 0, 1)
    if mirror:
        lcol_map = mirror_texture(ctx, rng)
    else:
        lcol_map = np.broadcast_to(lcol, (S, S, 3)).astype(np.float32)
        lcol_map = lcol_map * (1 + 0.06 * (T.fractal_noise(rng, S, S, base_cell=20, octaves=2) - 0.5))
    rgb, a = np.clip(lcol_map, 0, 1).astype(np.float32), la_map.astype(np.float32)
    glare = band * lens * rng.uniform(0.3, 0.7)
    if glare.max() > 0:  # a glare band: light reflected off the lens, over the tint
        rgb, a = over(np.full((S, S, 3), rng.uniform(0.85, 1.0), np.float32), glare.astype(np.float32), rgb, a)
    # rims (or, rimless, only the bridge and temples) over the lenses
    rgb, a = over(np.broadcast_to(np.asarray(rim_col, np.float32), (S, S, 3)), rim.astype(np.float32), rgb, a)
    return np.clip(rgb, 0, 1).astype(np.float32), np.clip(a, 0, 1).astype(np.float32)


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
