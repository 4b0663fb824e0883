"""The sampler: one seeded composite (image, matte target, face mask, occluder alpha) per call,
drawing the face placement, background, occluder types and degradations from the training mix
or a fixed type.

Synth config keys (the "synth" dict of a training config): p_clean, p_second, p_aligned, p_new_bg,
fill, occluder_weights (the whole type mix, replaces DEFAULT_WEIGHTS), weights (entries merged
onto it, e.g. {"hand3d": 0.12, "hand": 0.12}), hand3d (options of occ_hand3d: own_p, match_p,
p_two, p_blur, creases), lens (tinted / mirrored lenses for the glasses: see wearables.occ_glasses),
tone (the person's skin recoloured to another tone: see skin_tone).
Without the new keys every output is the same bit for bit (test_synth_pinned.py)."""
from __future__ import annotations

from functools import partial

import numpy as np

from .. import textures as T
from .background import background
from .composite import composite
from .faces import FaceBank
from .hand3d import occ_hand3d, require_assets
from .hands import occ_hand
from .held_objects import occ_cup, occ_mic, occ_phone
from .photometric import photometric
from .placement import Ctx, face_affine, warp_face
from .shapes import occ_crop, occ_shape
from .skin_tone import draw_gains, tone_face
from .wearables import occ_glasses, occ_hair, occ_mask

OCCLUDERS = ["hand", "hair", "glasses", "mask", "mic", "phone", "cup", "shape", "crop"]
EVAL_TYPES = ["clean"] + OCCLUDERS
# occluder types outside the default mix and the default validation set; appended after the
# EVAL_TYPES so that type codes (bank.py, ValSet) of the old types stay what they were
EXTRA_OCCLUDERS = ["hand3d"]
ALL_TYPES = EVAL_TYPES + EXTRA_OCCLUDERS
DEFAULT_WEIGHTS = {"hand": 0.24, "hair": 0.12, "glasses": 0.12, "mask": 0.12, "mic": 0.07,
                   "phone": 0.07, "cup": 0.07, "shape": 0.11, "crop": 0.08}
GENERATORS = {"hand": occ_hand, "hair": occ_hair, "glasses": occ_glasses, "mask": occ_mask, "mic": occ_mic,
              "phone": occ_phone, "cup": occ_cup, "shape": occ_shape, "crop": occ_crop, "hand3d": occ_hand3d}


class Synthesizer:
    def __init__(self, bank: FaceBank, size: int = 256, cfg: dict | None = None):
        self.bank, self.S = bank, size
        cfg = dict(cfg or {})
        self.p_clean = cfg.get("p_clean", 0.2)
        self.p_second = cfg.get("p_second", 0.25)
        self.p_aligned = cfg.get("p_aligned", 0.25)
        self.p_new_bg = cfg.get("p_new_bg", 0.6)
        self.fill = cfg.get("fill", [0.15, 1.0])
        w = dict(cfg.get("occluder_weights", DEFAULT_WEIGHTS))
        w.update(cfg.get("weights") or {})
        self.types = [k for k in OCCLUDERS + EXTRA_OCCLUDERS if w.get(k, 0) > 0]
        if "hand3d" in self.types:
            require_assets()  # before a bank or a run starts, not at its first 3-D hand
        pw = np.array([w[k] for k in self.types], np.float64)
        self.pw = pw / pw.sum()
        self.cfg = cfg
        self.generators = dict(GENERATORS)
        if cfg.get("hand3d"):
            self.generators["hand3d"] = partial(occ_hand3d, **cfg["hand3d"])
        if cfg.get("lens"):
            self.generators["glasses"] = partial(occ_glasses, lens=cfg["lens"])
        self.tone = cfg.get("tone")

    def sample(self, idx: int, rng: np.random.Generator, occ_type: str | None = None,
               augment: bool = True, return_layers: bool = False) -> dict:
        """occ_type: None (random from the training mix), 'clean', or one of OCCLUDERS / EXTRA_OCCLUDERS."""
        S = self.S
        A, b = face_affine(self.bank, idx, S, rng, self.p_aligned, self.fill)
        photo, info = None, None
        if self.tone and rng.random() < self.tone.get("p", 0.3):
            bank = self.bank
            gains = draw_gains(rng, bank.info[idx]["skin_mean"], self.tone.get("lum", (0.12, 0.75)))
            photo, info = tone_face(bank.imgs[idx], bank.labs[idx], bank.info[idx], gains)
        img, face, person, valid = warp_face(self.bank, idx, S, A, b, photo)
        bg = background(self.bank, idx, S, rng)
        if rng.random() < self.p_new_bg:
            pm = T.gaussian(person, rng.uniform(0.3, 1.0)) * valid
            frame = img * pm[..., None] + bg * (1 - pm[..., None])
        else:
            frame = img * valid[..., None] + bg * (1 - valid[..., None])
        ctx = Ctx(self.bank, idx, S, A, b, rng)
        if info is not None:
            ctx.info = info
        if occ_type is None:
            types = [] if rng.random() < self.p_clean else [self.types[rng.choice(len(self.types), p=self.pw)]]
            if types and rng.random() < self.p_second:
                types.append(self.types[rng.choice(len(self.types), p=self.pw)])
        elif occ_type == "clean":
            types = []
        else:
            types = [occ_type]
        layers = []
        for t in types:
            for _attempt in range(4):  # the occluder must actually cover part of the face
                ctx.shadow = None
                rgb, a = self.generators[t](ctx, rng)
                if (a * face).sum() >= 0.01 * max(face.sum(), 1.0):
                    break
            a = np.clip(a, 0, 1).astype(np.float32)
            # occluders share the scene's light a little
            rgb = np.clip(rgb * rng.uniform(0.8, 1.1), 0, 1)
            layers.append((rgb, a, ctx.shadow))
        base, frame, occ = composite(frame, layers)
        layers = [(rgb, a) for rgb, a, _sh in layers]
        target = face * (1 - occ)
        out_img = photometric(frame, rng, self.cfg) if augment else (np.clip(frame, 0, 1) * 255 + 0.5).astype(np.uint8)
        res = {"image": out_img, "alpha": target.astype(np.float32), "face": face.astype(np.float32),
               "occ": occ.astype(np.float32), "type": "+".join(types) if types else "clean"}
        if return_layers:
            res["base"] = base
            res["layers"] = layers
            res["frame"] = frame
        return res
