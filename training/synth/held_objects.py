"""Objects held up to the face: microphones, phones and cups, optionally with the fingers that
hold them."""
from __future__ import annotations

import numpy as np

from .. import textures as T
from .composite import over
from .hands import holding_fingers
from .placement import Ctx


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
        frgb, fa = holding_fingers(ctx, rng, cen, axis, W / 2, H / 2)
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
        frgb, fa = holding_fingers(ctx, rng, cen, axis, W / 2, H / 2, n=int(rng.integers(2, 5)))
        rgb, a = over(frgb, fa, rgb, a)
    return np.clip(rgb, 0, 1).astype(np.float32), np.clip(a, 0, 1)
