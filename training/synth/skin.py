"""Skin colouring for hands, fingers and skin-textured shapes: real skin of the face itself or
of another training face, shaded to look rounded. Real skin, not a flat colour, because skin
against skin is the hard case for a face matte."""
from __future__ import annotations

import numpy as np

from .. import textures as T
from .placement import Ctx


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
    di = ctx.info if own else ctx.bank.info[d]  # ctx.info: the face as composited (skin_tone)
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
