"""The face bank: decoded training faces plus the geometry every composite needs from them
(face box, eyes, nose, mouth, ears, per-row face extent, skin and hair colour, a skin texture
patch), measured once from the parsing labels so that synthesis never re-reads the labels."""
from __future__ import annotations

import numpy as np
from PIL import Image

from .. import textures as T
from ..data import FACE_CLASSES


def _centroid(m):
    ys, xs = np.nonzero(m)
    if len(xs) < 5:
        return None
    return np.array([xs.mean(), ys.mean()], np.float32)


def bbox(m):
    ys, xs = np.nonzero(m)
    if len(xs) < 5:
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)


DEFAULT_SKIN = (np.array([0.8, 0.6, 0.5], np.float32), np.full(3, 0.05, np.float32))


def skin_stats(img: np.ndarray, lab: np.ndarray, min_px: int = 50):
    """(mean, spread) per channel, RGB in [0, 1] float32, of a photo's labelled face skin
    (class 1); None when fewer than min_px pixels are labelled skin (callers fall back, e.g. to
    DEFAULT_SKIN)."""
    skin = lab == 1
    if skin.sum() <= min_px:
        return None
    sk = img[skin].astype(np.float32) / 255
    return sk.mean(0), sk.std(0) + 1e-3


def hair_colour(img: np.ndarray, lab: np.ndarray, min_px: int = 50):
    """Mean colour, RGB in [0, 1] float32, of a photo's labelled hair (class 13); None when
    min_px or fewer pixels are labelled hair."""
    hair = lab == 13
    if hair.sum() <= min_px:
        return None
    return (img[hair].astype(np.float32) / 255).mean(0)


def face_info(img: np.ndarray, lab: np.ndarray) -> dict:
    S = lab.shape[0]
    face = np.isin(lab, FACE_CLASSES)
    fb = bbox(face)
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
    nose = bbox(lab == 2)
    if nose is None:
        nose = np.array([cx - 0.1 * fw, fb[1] + 0.35 * fh, cx + 0.1 * fw, fb[1] + 0.62 * fh], np.float32)
    mouth = bbox(np.isin(lab, (10, 11, 12)))
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
    skin_mean, skin_std = skin_stats(img, lab) or DEFAULT_SKIN
    hair_mean = hair_colour(img, lab)
    # skin texture patch (128x128): real skin of this face, non-skin filled by normalised convolution
    h2 = np.asarray(Image.fromarray(img).reduce(2), np.float32) / 255
    m2 = np.asarray(Image.fromarray(np.isin(lab, (1, 2)).astype(np.uint8) * 255).reduce(2), np.float32) / 255
    m2 = (m2 > 0.99).astype(np.float32)
    sb = bbox(m2 > 0)
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
