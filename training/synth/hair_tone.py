"""Hair colour: recolour a photo's labelled hair to another natural (or, rarely, dyed) colour.

Why: the largest error left on unseen real photos is the hairline (0.7.0, validation photos:
face missed beside hair and hair taken for face, 0.018 of the union each). The student learns
the hairline from the 706 training photos (bank.p_photo) and fits them (IoU 0.935 on the
real-occlusion training photos) better than it carries them over to new ones (0.915). What
separates forehead from fringe is the contrast between this person's skin and hair, and a photo
comes with only one pair. Moving the hair's colour (and, with synth.skin_tone, the skin's)
gives every real hairline many contrasts, the hard ones included (blond hair on pale skin, black
hair on dark skin), while the outline, texture and label stay the photo's own.

The change is skin_tone's per-channel gain in linear light, feathered at the hair label's edge,
toward a target colour drawn from a palette of hair colours.
"""
from __future__ import annotations

import numpy as np

from .skin_tone import feathered, to_linear

HAIR_CLASS = 13
# sRGB means of natural hair colours: black, dark brown, brown, auburn, ginger, dark blond,
# blond, platinum, grey, white
PALETTE = np.array([[0.06, 0.05, 0.05], [0.18, 0.13, 0.10], [0.33, 0.23, 0.16], [0.42, 0.20, 0.11],
                    [0.62, 0.32, 0.16], [0.52, 0.42, 0.30], [0.78, 0.66, 0.47], [0.88, 0.84, 0.76],
                    [0.52, 0.52, 0.52], [0.84, 0.84, 0.84]], np.float32)
P_DYED = 0.1       # a saturated colour of any hue instead of a natural one
MAX_GAIN = 12.0    # black hair has little signal to amplify: it goes to dark brown, not blond


def hair_weight(lab: np.ndarray, feather_px: float = 1.0) -> np.ndarray:
    """HxW float in [0,1]: the hair label, feathered."""
    return feathered(lab == HAIR_CLASS, feather_px)


def draw_gains(rng, hair_mean_srgb) -> np.ndarray:
    """Per-channel linear-light gains that move hair of mean colour hair_mean_srgb toward a drawn
    hair colour (a palette colour, brightness varied +-20 %, or a dyed colour)."""
    if rng.random() < P_DYED:
        hue = rng.uniform(0, 2 * np.pi)
        target = 0.45 + 0.35 * np.cos(hue + np.array([0, 2.094, 4.189]))
    else:
        target = PALETTE[rng.integers(len(PALETTE))] * rng.uniform(0.8, 1.2)
    cur = to_linear(np.clip(np.asarray(hair_mean_srgb, np.float32), 1e-3, 1))
    gains = to_linear(np.clip(target, 0, 1)) / np.maximum(cur, 1e-4)
    return np.clip(gains, 1 / MAX_GAIN, MAX_GAIN).astype(np.float32)
