"""Alpha compositing: stacking parts of one occluder (over), and occluders onto the frame with
the matte target that results (composite)."""
from __future__ import annotations

import numpy as np


def over(c_top, a_top, c_bot, a_bot):
    """Straight-colour 'over' compositing of two occluder layers -> (colour, alpha)."""
    a = a_top + a_bot * (1 - a_top)
    pm = c_top * a_top[..., None] + c_bot * (a_bot * (1 - a_top))[..., None]
    c = np.where(a[..., None] > 1e-5, pm / np.maximum(a[..., None], 1e-5), c_top)
    return np.clip(c, 0, 1).astype(np.float32), np.clip(a, 0, 1).astype(np.float32)


def composite(frame, layers):
    """Occluder layers (colour, alpha, contact shadow or None), bottom first, onto the frame.
    The shadows darken the scene first: the face under a shadow stays face.
    -> (shadowed frame, composite, occluder alpha 1 - prod_k (1 - a_k))."""
    occ = np.zeros(frame.shape[:2], np.float32)
    for _rgb, _a, sh in layers:
        if sh is not None:
            frame = frame * (1 - sh[..., None])
    base = frame.copy()
    for rgb, a, _sh in layers:
        frame = rgb * a[..., None] + frame * (1 - a[..., None])
        occ = a + occ * (1 - a)
    return base, frame, occ
