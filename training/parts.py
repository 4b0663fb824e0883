"""Auxiliary face parsing for the student's training photos (loss.w_parts): what the label maps say
beyond "face or not".

The alpha target calls every pixel that is not visible face skin 0, whether it is hair, a neck, an
ear or a wall. The training photos' label maps say which: a second head on the features the alpha
head reads (`FaceMatNet.features`) learns those groups by cross-entropy on the photo slots of a
batch (composites have no such map and add nothing). The head is trained and thrown away: the
shipped network and its cost are unchanged, only the features it shares with the alpha head are
asked to tell hair, neck and ears apart from skin, the outlines the real-occlusion photos miss.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import FACE_CLASSES, PARTS


def _classes(*names: str) -> tuple:
    """Label-map values of the named parts (data.PARTS order, 1-based; 0 is background)."""
    return tuple(PARTS.index(n) + 1 for n in names)


# the groups after the background (group 0, also every class not named here)
GROUPS = {"face": FACE_CLASSES, "hair": _classes("hair"), "eyeglasses": _classes("eye_g"),
          "ears": _classes("l_ear", "r_ear", "ear_r"), "neck": _classes("neck_l", "neck"),
          "hat": _classes("hat"), "cloth": _classes("cloth")}
N_GROUPS = 1 + len(GROUPS)  # with the background


def group_index(labels: np.ndarray) -> np.ndarray:
    """HxW label map -> HxW uint8 group index (0 background, then GROUPS in order)."""
    out = np.zeros(labels.shape, np.uint8)
    for g, classes in enumerate(GROUPS.values(), start=1):
        out[np.isin(labels, classes)] = g
    return out


def one_hot_u8(index: np.ndarray) -> list[np.ndarray]:
    """HxW group index -> N_GROUPS HxW uint8 maps (255 where the pixel is in the group): the form
    in which the bank's per-photo maps are moved with the image (augment_photo, augment)."""
    return [np.where(index == g, np.uint8(255), np.uint8(0)) for g in range(N_GROUPS)]


class PartsHead(nn.Conv2d):
    """A 3x3 convolution from the alpha head's input to the group logits. Starts at zero, so its
    first gradients into the shared features are zero and a trained student is not jolted."""

    def __init__(self, cin: int):
        super().__init__(cin, N_GROUPS, 3, 1, 1)
        nn.init.zeros_(self.weight)
        nn.init.zeros_(self.bias)


def parts_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against soft group maps (B x N_GROUPS x H x W, summing to 1 where a label
    exists and to 0 on composites), averaged over the labelled pixels; 0 when there are none."""
    n = target.sum(1)
    ce = -(target * F.log_softmax(logits, 1)).sum(1)
    return ce.sum() / n.sum().clamp(min=1.0)


OCCLUDER_GROUPS = tuple(list(GROUPS).index(n) + 1 for n in ("hair", "eyeglasses", "hat"))


def occluder_weight(target: torch.Tensor, k: float, reach: int = 8) -> torch.Tensor:
    """Per-pixel weights (B x 1 x H x W) for the alpha's ground-truth term (loss.w_occluder): 1 + k
    on both sides of each border between face and a labelled occluder (hair, eyeglasses, hat), that
    is occluder pixels within `reach` px of face and face pixels within `reach` px of an occluder;
    1 elsewhere and on composites (their soft group maps are all zero). On unseen photos the
    hairline is where most of the matte's error lies (docs/model.md), in both directions: hair kept
    as face, and face beside hair given up."""
    face = target[:, 1:2]
    occ = target[:, list(OCCLUDER_GROUPS)].sum(1, keepdim=True).clamp(max=1.0)
    size = 2 * reach + 1

    def near(m):
        return F.max_pool2d(m, size, stride=1, padding=reach)

    band = torch.maximum(occ * near(face), face * near(occ))
    return 1.0 + k * band
