"""Matting metrics on alpha mattes in [0, 1] (HxW float arrays), as used by the matting
literature (Rhemann et al. 2009 definitions; Python versions as in common matting code bases):

  MSE  mean squared error over all pixels
  SAD  sum of absolute differences / 1000
  Grad sum (|grad pred| - |grad gt|)^2 with Gaussian-derivative filters (sigma 1.4) / 1000
  Conn connectivity error, threshold step 0.1 / 1000
  IoU  of the mattes thresholded at 0.5 (1.0 when both are empty)

and, for networks that predict their own sigma, how well it ranks their alpha error
(uncertainty_quality).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.stats import spearmanr


def mse(pred, gt):
    return float(np.mean((pred - gt) ** 2))


def sad(pred, gt):
    return float(np.abs(pred - gt).sum() / 1000.0)


def _gauss_grad_mag(x, sigma=1.4):
    gx = ndimage.gaussian_filter(x, sigma, order=(0, 1), mode="nearest", truncate=4.0)
    gy = ndimage.gaussian_filter(x, sigma, order=(1, 0), mode="nearest", truncate=4.0)
    return np.sqrt(gx ** 2 + gy ** 2)


def grad(pred, gt, sigma=1.4):
    p = _gauss_grad_mag(pred.astype(np.float64), sigma)
    g = _gauss_grad_mag(gt.astype(np.float64), sigma)
    return float(((p - g) ** 2).sum() / 1000.0)


def _largest_cc(mask):
    lab, n = ndimage.label(mask)  # 4-connectivity
    if n == 0:
        return np.zeros_like(mask, bool)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    return lab == sizes.argmax()


def conn(pred, gt, step=0.1):
    """Connectivity error: for thresholds t, l_map marks the first threshold where a pixel leaves
    the largest common connected component; d = x - l_map, phi = 1 - d * (d >= 0.15)."""
    pred = pred.astype(np.float64)
    gt = gt.astype(np.float64)
    thresh = np.arange(0, 1 + step, step)
    l_map = np.full(pred.shape, -1.0)
    for i in range(1, len(thresh)):
        omega = _largest_cc((pred >= thresh[i]) & (gt >= thresh[i]))
        flag = (l_map == -1) & ~omega
        l_map[flag] = thresh[i - 1]
    l_map[l_map == -1] = 1.0
    dp = pred - l_map
    dg = gt - l_map
    phi_p = 1 - dp * (dp >= 0.15)
    phi_g = 1 - dg * (dg >= 0.15)
    return float(np.abs(phi_p - phi_g).sum() / 1000.0)


def iou(pred, gt, thr=0.5):
    p, g = pred >= thr, gt >= thr
    u = (p | g).sum()
    if u == 0:
        return 1.0
    return float((p & g).sum() / u)


def all_metrics(pred, gt) -> dict:
    return {"mse": mse(pred, gt), "sad": sad(pred, gt), "grad": grad(pred, gt), "conn": conn(pred, gt),
            "iou": iou(pred, gt)}


NAMES = ["mse", "sad", "grad", "conn", "iou"]


UNCERTAINTY_NAMES = ["rank_corr", "sigma_inside", "sigma_outline"]


def uncertainty_quality(sigma, pred, gt, band: int = 3) -> dict | None:
    """rank_corr: Spearman correlation of sigma with |pred - gt| over the face and its outline
    (pred or gt at least 0.5, dilated by `band` px), where a matte's errors are; the background far
    from the face is left out, because a sigma that only says "face or not" would score well there.
    sigma_inside / sigma_outline: mean sigma over the face eroded by `band` px / within `band` px of
    its outline. None when the eroded face is too small to tell (under 50 pixels)."""
    fg = gt >= 0.5
    region = ndimage.binary_dilation(fg | (pred >= 0.5), iterations=band)
    inside = ndimage.binary_erosion(fg, iterations=band)
    outline = ndimage.binary_dilation(fg, iterations=band) & ~inside
    if inside.sum() < 50:
        return None
    err = np.abs(pred - gt)[region]
    s = sigma[region]
    rho = spearmanr(s, err).correlation if s.std() > 0 and err.std() > 0 else 0.0
    return {"rank_corr": float(rho), "sigma_inside": float(sigma[inside].mean()),
            "sigma_outline": float(sigma[outline].mean())}
