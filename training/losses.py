"""Losses: Gaussian NLL (+ beta-NLL), L1, Laplacian pyramid, uncertainty-weighted distillation.

All per-pixel terms are averaged over pixels (and the batch).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def gaussian_nll(alpha, logvar, target, beta: float = 0.0):
    """0.5 * (alpha - target)^2 / s^2 + 0.5 * log s^2, with logvar = log s^2.
    beta > 0: beta-NLL (Seitzer et al. 2022), each pixel weighted by stop_grad(s^2)^beta."""
    nll = 0.5 * (alpha - target) ** 2 * torch.exp(-logvar) + 0.5 * logvar
    if beta > 0:
        nll = nll * torch.exp(logvar.detach() * beta)
    return nll.mean()


def l1(alpha, target, weight=None):
    d = (alpha - target).abs()
    if weight is not None:
        d = d * weight
    return d.mean()


_K1 = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _gauss5_conv(x):
    """The 5x5 binomial blur as one 2-D convolution (reflect padding): the reference for _gauss5."""
    k = (_K1[:, None] * _K1[None, :]).to(x.dtype).to(x.device)
    c = x.shape[1]
    k = k.expand(c, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k, groups=c)


def _gauss5(x):
    """The same blur as _gauss5_conv, separable, as shifted adds (taps 1 4 6 4 1, then / 256).
    On the CPU (torch 1.13, oneDNN) the one-channel 5x5 convolution's backward was about 40 ms
    per 256x256 sample, a third of a folded student step; this is about 3.5 ms with its backward."""
    H, W = x.shape[-2:]
    p = F.pad(x, (2, 2, 2, 2), mode="reflect")
    r = p[..., 0:W] + p[..., 4:W + 4] + 4 * (p[..., 1:W + 1] + p[..., 3:W + 3]) + 6 * p[..., 2:W + 2]
    r = r[..., 0:H, :] + r[..., 4:H + 4, :] + 4 * (r[..., 1:H + 1, :] + r[..., 3:H + 3, :]) + 6 * r[..., 2:H + 2, :]
    return r * (1.0 / 256.0)


def laplacian_pyramid(x, levels: int = 5):
    """Band-pass levels: L_i = G_i - up(down(G_i)), down = blur + stride 2, up = nearest x2 + blur*4."""
    out = []
    cur = x
    for _ in range(levels):
        if min(cur.shape[-2:]) < 4:
            break
        down = _gauss5(cur)[..., ::2, ::2]
        up = torch.zeros_like(cur)
        up[..., ::2, ::2] = down
        up = _gauss5(up) * 4
        out.append(cur - up)
        cur = down
    return out


def laplacian_loss(alpha, target, levels: int = 5):
    """sum_i 2^i * mean |L_i(alpha) - L_i(target)|  (band-pass only: blind to a constant offset).
    The pyramid is linear, so this is computed as one pyramid of alpha - target (half the cost)."""
    return sum((2 ** i) * d.abs().mean() for i, d in enumerate(laplacian_pyramid(alpha - target, levels)))


def soft_iou_loss(alpha, target, eps: float = 1.0):
    """1 - soft Jaccard index per image (sum a*t / sum(a + t - a*t)), averaged over the batch.
    The metric the matte is judged by weighs an error by the face's size, where the L1 term
    weighs every pixel of the batch alike; eps keeps a face-less sample from dividing by zero."""
    dims = tuple(range(1, alpha.dim()))
    inter = (alpha * target).sum(dims)
    union = (alpha + target - alpha * target).sum(dims)
    return (1.0 - (inter + eps) / (union + eps)).mean()


def uncertainty_weight(teacher_logvar, k: float = 4.0):
    """w = 1 + k * normalize(s_teacher), s = exp(0.5 * logvar), min-max normalised per image."""
    s = torch.exp(0.5 * teacher_logvar.float())
    lo = s.amin(dim=(1, 2, 3), keepdim=True)
    hi = s.amax(dim=(1, 2, 3), keepdim=True)
    return 1.0 + k * (s - lo) / (hi - lo + 1e-6)


def teacher_loss(alpha, logvar, target, cfg: dict):
    parts = {
        "nll": gaussian_nll(alpha, logvar, target, cfg.get("beta", 0.5)),
        "l1": l1(alpha, target),
        "lap": laplacian_loss(alpha, target),
    }
    total = (cfg.get("w_nll", 1.0) * parts["nll"] + cfg.get("w_l1", 1.0) * parts["l1"]
             + cfg.get("w_lap", 1.0) * parts["lap"])
    return total, parts


def student_loss(alpha, logvar, target, t_alpha, t_logvar, cfg: dict, weighted: bool = True,
                 pixel_weight=None):
    """Uncertainty-guided distillation. weighted=False gives the ablation (w = 1 everywhere).
    The student's own log-variance head is trained with beta-NLL on a detached alpha, so it does
    not change the alpha objective. pixel_weight (B x 1 x H x W, optional) multiplies the ground
    truth term's weights (parts.occluder_weight); cfg w_iou adds soft_iou_loss."""
    if weighted:
        w = uncertainty_weight(t_logvar, cfg.get("k", 4.0))
    else:
        w = None
    w_gt = w if pixel_weight is None else (pixel_weight if w is None else w * pixel_weight)
    parts = {
        "gt": l1(alpha, target, w_gt),
        "kd": l1(alpha, t_alpha.float(), w),
        "lap": laplacian_loss(alpha, target),
    }
    if cfg.get("w_iou"):
        parts["iou"] = soft_iou_loss(alpha, target)
    if logvar is not None:
        parts["nll"] = gaussian_nll(alpha.detach(), logvar, target, cfg.get("beta", 0.5))
    total = (cfg.get("w_gt", 1.0) * parts["gt"] + cfg.get("w_kd", 1.0) * parts["kd"]
             + cfg.get("w_lap", 1.0) * parts["lap"] + cfg.get("w_nll", 0.1) * parts.get("nll", 0.0)
             + cfg.get("w_iou", 0.0) * parts.get("iou", 0.0))
    return total, parts
