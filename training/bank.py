"""A bank of pre-rendered composites with the teacher's outputs cached beside them, so that a
student step costs only the student (synthesis is 42-45 ms per composite per core and the teacher
forward about as much again; see "Profile of one student step" in training/README.md).

Layout (an ignored folder such as .data/bank; never commit it, it is derived from the data set):
  BANK/meta.json                  size, synth config, data split, teacher, git commit
  BANK/shard-00000/{img,alpha,talpha,tlogvar,type}.npy     one finished shard (atomic rename)
    img     uint8 N x S x S x 3     the composite as the network sees it (photometric aug. applied)
    alpha   uint8 N x S x S         ground truth alpha * 255
    talpha  uint8 N x S x S         teacher alpha * 255            (absent without a teacher)
    tlogvar uint8 N x S x S         teacher log-variance quantised over [LOGVAR_MIN, LOGVAR_MAX]
    type    uint8 N                 index into synth.ALL_TYPES of the first occluder (0 = clean)
  458 kB per 256x256 composite (about 4.4 GB per 10 k), read back through np.load(mmap_mode="r").

Composite k of a bank is synthesised exactly as sample k of training.dataset.TrainStream with the
bank's seed (face = epoch permutation, randomness default_rng([seed, 2, k])), so a bank is
reproducible from the repository and the data set (bit for bit on machines of one CPU class; across
classes a few values round 1e-7 apart, tests/test_synth_pinned.py), and `build` can be stopped and
restarted: it skips finished shards.

  # grow a bank in the background (teacher: any checkpoint, or the shipped ONNX student)
  nice -n 19 /usr/bin/python3 -m training.bank --config training/configs/student.json \
      --out .data/bank --teacher models/facemat-student.onnx --shards 400 --threads 1
  # train from it: training.train_student ... --set 'bank.dir=".data/bank"'  (see train.py)

Per-step augmentation (BankStream): left-right flip, a random crop of 80-100 % of the side
resized back to S (bilinear for everything, so alpha stays soft), directional light at the face's
scale (aug "light", see face_light), and colour jitter of the image only (brightness, contrast,
saturation, gamma, per-channel gain); all batched tensor ops. The training faces' own photos
(BankStream p_photo) may also have their skin and hair recoloured first (photo_recolour,
recolour_photo), get another training photo's hair laid over them (hair_paste, paste_hair), their
hair's shadow cast on the skin (hair_shadow), and be turned, zoomed out and degraded as a webcam
frame (photo_aug, augment_photo), per photo in numpy, and carry their label groups for the
auxiliary parsing loss (parts, training/parts.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .model import LOGVAR_MAX, LOGVAR_MIN
from .parts import GROUPS, N_GROUPS, group_index, one_hot_u8
from .synth import ALL_TYPES

ARRAYS = ("img", "alpha", "talpha", "tlogvar", "type")


def quantise_logvar(lv: np.ndarray) -> np.ndarray:
    q = (np.asarray(lv, np.float32) - LOGVAR_MIN) / (LOGVAR_MAX - LOGVAR_MIN) * 255.0
    return np.clip(np.rint(q), 0, 255).astype(np.uint8)


def dequantise_logvar(q: torch.Tensor) -> torch.Tensor:
    return q.float() * ((LOGVAR_MAX - LOGVAR_MIN) / 255.0) + LOGVAR_MIN


def _type_code(t: str) -> int:
    return ALL_TYPES.index(t.split("+")[0]) if t.split("+")[0] in ALL_TYPES else 255


def shard_name(k: int) -> str:
    return f"shard-{k:05d}"


def finished_shards(bank_dir) -> list[Path]:
    d = Path(bank_dir)
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.is_dir() and p.name.startswith("shard-") and (p / "type.npy").exists())


@torch.no_grad()
def teacher_outputs(teacher, imgs_u8: np.ndarray, batch: int = 16):
    """-> (alpha uint8, logvar uint8-quantised) of a network over uint8 NxSxSx3 images."""
    from .dataset import normalize
    al, lv = [], []
    for i in range(0, len(imgs_u8), batch):
        x = normalize(torch.from_numpy(np.ascontiguousarray(imgs_u8[i:i + batch].transpose(0, 3, 1, 2))))
        x = x.contiguous(memory_format=torch.channels_last)
        a, v = teacher(x)
        al.append(np.clip(np.rint(a.float()[:, 0].numpy() * 255), 0, 255).astype(np.uint8))
        lv.append(quantise_logvar(v.float()[:, 0].numpy()))
    return np.concatenate(al), np.concatenate(lv)


def real_photos(dcfg: dict, size: int, teacher_path, exclude=()) -> dict:
    """The training faces' own photos as bank arrays (img, alpha, talpha, tlogvar, type 0): the
    labelled face at `size` (area-averaged from the label map, so the outline is as soft as a
    composite's), real hair, glasses and hats over it, no synthesis. Kept in memory (about
    0.5 MB a face at 256 px) and mixed into the batches by BankStream(p_photo=...). For
    recolouring (recolour_photo) each photo also keeps its feathered skin and hair weights (uint8)
    and their mean colours (NaN where the photo shows too little of either); for the auxiliary
    parsing loss (BankStream parts=True, parts.py) its label map's groups at `size` (uint8 index)."""
    from .data import FACE_CLASSES, load_image, load_labels
    from .dataset import split_samples
    from .synth import hair_tone, skin_tone
    from .synth.faces import hair_colour, skin_stats
    from .train import load_ckpt, net_from_ckpt
    exclude = set(exclude)
    tr = [s for s in split_samples(dcfg)[1] if s.name not in exclude]
    img = np.stack([load_image(s, size) for s in tr])
    labs = [load_labels(s) for s in tr]
    face = torch.from_numpy(np.stack([np.isin(lb, FACE_CLASSES) for lb in labs])).float()[:, None]
    alpha = F.interpolate(face, size=(size, size), mode="area")[:, 0].numpy()
    small = [load_labels(s, size) for s in tr]
    nan3 = np.full(3, np.nan, np.float32)

    def u8(w):
        return np.clip(np.rint(w * 255), 0, 255).astype(np.uint8)
    out = {"img": img, "alpha": u8(alpha), "type": np.zeros(len(tr), np.uint8),
           "parts": np.stack([group_index(lb) for lb in small]),
           "skin_w": np.stack([u8(skin_tone.skin_weight(lb, 0.75)) for lb in small]),
           "hair_w": np.stack([u8(hair_tone.hair_weight(lb, 0.75)) for lb in small]),
           "skin_mean": np.stack([(skin_stats(im, lb) or (nan3,))[0] for im, lb in zip(img, small)]),
           "hair_mean": np.stack([m if m is not None else nan3
                                  for m in (hair_colour(im, lb) for im, lb in zip(img, small))])}
    if teacher_path:
        teacher = net_from_ckpt(load_ckpt(teacher_path)).eval().to(memory_format=torch.channels_last)
        with torch.no_grad():
            out["talpha"], out["tlogvar"] = teacher_outputs(teacher, img)
    return out


def recolour_photo(photos: dict, i: int, rng, recol: dict) -> np.ndarray:
    """Photo i of real_photos with, per recol (BankStream's photo_recolour), its skin moved to
    another tone ({"tone": {"p", "lum"}}, synth.skin_tone) and its hair to another colour
    ({"hair": {"p"}}, synth.hair_tone), each with its probability. The label is unchanged: only
    colours move, the outline and texture are the photo's own."""
    from .synth import hair_tone, skin_tone
    img = photos["img"][i]
    tone, hair = recol.get("tone") or {}, recol.get("hair") or {}
    if rng.random() < tone.get("p", 0.0) and not np.isnan(photos["skin_mean"][i]).any():
        gains = skin_tone.draw_gains(rng, photos["skin_mean"][i], tone.get("lum", (0.12, 0.75)))
        img = skin_tone.recolour(img, photos["skin_w"][i] / np.float32(255), gains)
    if rng.random() < hair.get("p", 0.0) and not np.isnan(photos["hair_mean"][i]).any():
        gains = hair_tone.draw_gains(rng, photos["hair_mean"][i])
        img = skin_tone.recolour(img, photos["hair_w"][i] / np.float32(255), gains)
    return img


def paste_hair(photos: dict, i: int, img: np.ndarray, maps: list, rng, cfg: dict,
               groups_at: int | None = None):
    """Photo i (img, maybe recoloured; maps: its target, then the teacher's alpha and log-variance,
    SxS uint8, then from index groups_at on its one-hot label groups, parts.one_hot_u8) with, with
    probability cfg["p"], another training photo's labelled hair laid over it: the donor's pixels
    where its hair weight (hair_w, the label feathered 0.75 px) is, mirrored with p 0.5 and moved
    by up to cfg["shift"] (a share of the side, default 0.04). The target and the teacher's alpha
    lose the face where the hair now covers it; the log-variance is kept (it only weights the
    loss); the label groups become hair there in the same proportion. Returns (img, maps, hair):
    hair is the picture's hair weight after the paste (SxS float in [0, 1], the photo's own where
    nothing was pasted), for hair_shadow.

    Why: the largest error left on unseen photos is the hairline: forehead between the strands of
    a fringe missed, thin strands over a cheek taken for face (0.7.0, validation photos: 0.034 of
    the union, half of all error). Each training photo shows one hairline; CelebA-HQ faces are
    aligned, so a donor's fringe and side hair land where hair falls on a face, and every photo
    gets the other 700 hairlines, real strands and real hair texture, over its own skin. Off by
    default: measured level on unseen photos (less hair kept as face, more face missed beside it;
    training/README.md, "hairpaste")."""
    own = photos["hair_w"][i].astype(np.float32) / 255
    if rng.random() >= cfg.get("p", 0.0):
        return img, maps, own
    n, S = len(photos["img"]), img.shape[0]
    j = (i + 1 + int(rng.integers(n - 1))) % n  # any photo but i
    h, donor = photos["hair_w"][j].astype(np.float32) / 255, photos["img"][j]
    if rng.random() < 0.5:
        h, donor = h[:, ::-1], donor[:, ::-1]
    lim = int(round(cfg.get("shift", 0.04) * S))
    dy, dx = (int(v) for v in rng.integers(-lim, lim + 1, 2))
    moved_h, moved = np.zeros_like(h), np.zeros_like(donor)
    ys, yd = slice(max(0, -dy), S - max(0, dy)), slice(max(0, dy), S - max(0, -dy))
    xs, xd = slice(max(0, -dx), S - max(0, dx)), slice(max(0, dx), S - max(0, -dx))
    moved_h[yd, xd], moved[yd, xd] = h[ys, xs], donor[ys, xs]
    w = moved_h[..., None]
    img = np.clip(np.rint(img * (1 - w) + moved * w), 0, 255).astype(np.uint8)
    keep = 1 - moved_h
    end = len(maps) if groups_at is None else groups_at
    covered = min(2, end)  # the target and the teacher's alpha (absent without a teacher)
    out = [np.clip(np.rint(m * keep), 0, 255).astype(np.uint8) for m in maps[:covered]] + list(maps[covered:end])
    if groups_at is not None:
        hair = groups_at + 1 + list(GROUPS).index("hair")
        out += [np.clip(np.rint(m * keep + (255 * moved_h if k == hair else 0)), 0, 255).astype(np.uint8)
                for k, m in enumerate(maps[groups_at:], start=groups_at)]
    return img, out, np.maximum(own, moved_h)


def hair_shadow(img: np.ndarray, hair: np.ndarray, rng, cfg: dict) -> np.ndarray:
    """With probability cfg["p"], the photo darkened where its hair would cast a shadow: the hair
    weight moved by up to cfg["reach"] of the side (default 0.03) in a direction within 60 degrees
    of straight down, blurred by about half that distance, and multiplied into the picture outside
    the hair with a depth drawn from cfg["depth"] (default 0.2-0.6). img: SxSx3 uint8; hair: SxS
    float in [0, 1] (the photo's hair weight, pasted hair included). The labels are unchanged: the
    shaded skin stays face.

    Why: on unseen photos the hairline is the largest error left, and the half of it that is face
    missed is mostly the strip of forehead or temple under a fringe, darker in the hair's shadow,
    taken for hair (training/README.md, "Where the rest lies"). Each training photo shows its one
    hairline's shadow, and hair laid over a photo by hair_paste casts none at all. Off by default:
    measured level on unseen photos (a tenth less face missed, paid back as hair and background
    taken for face; training/README.md, "The hair's shadow")."""
    if rng.random() >= cfg.get("p", 0.0):
        return img
    from scipy import ndimage
    S = img.shape[0]
    dist = rng.uniform(0.3, 1.0) * cfg.get("reach", 0.03) * S
    theta = rng.uniform(-np.pi / 3, np.pi / 3)
    moved = ndimage.shift(hair, (dist * np.cos(theta), dist * np.sin(theta)), order=1, mode="constant")
    shade = ndimage.gaussian_filter(moved, max(0.5, dist * rng.uniform(0.3, 0.7))) * (1 - hair)
    depth = rng.uniform(*cfg.get("depth", (0.2, 0.6)))
    return np.clip(np.rint(img * (1 - depth * shade)[..., None]), 0, 255).astype(np.uint8)


def augment_photo(img: np.ndarray, maps: list, rng, cfg: dict):
    """A real photo's own variation, as the composites get theirs in synthesis: with probability
    cfg["p_geom"], turned by up to cfg["deg"] degrees and scaled by cfg["scale"] (below 1: zoomed
    out) about a centre moved by up to 5 % of the side, the border pixels repeated outward; then,
    with probability cfg["p_degrade"], degraded as a webcam frame (synth.photometric: colour, low-
    resolution sensor, blur, noise, JPEG). img: SxSx3 uint8; maps: SxS uint8 arrays (the target and
    the teacher's outputs) moved with the image, so each stays the image's own. Returns (img, maps).

    Why: the photos are the only samples with real hairlines and real glasses, and they are the
    same 706 upright, sharp, well-exposed studio pictures every epoch; the student fits them
    (it beats the occlusion-blind oracle on them) more than it learns from them."""
    from scipy import ndimage
    from .synth.photometric import photometric
    S = img.shape[0]
    if rng.random() < cfg.get("p_geom", 0.0):
        th = np.deg2rad(rng.uniform(-1, 1) * cfg.get("deg", 12.0))
        sc = rng.uniform(*cfg.get("scale", (0.8, 1.0)))
        # output pixel o comes from input M @ (o - c_out) + c_in: a turn by th and a zoom by sc
        M = np.array([[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]]) / sc
        c_in = np.array([S / 2 - 0.5] * 2)
        c_out = c_in + rng.uniform(-0.05, 0.05, 2) * S
        off = c_in - M @ c_out

        def warp(a):
            moved = ndimage.affine_transform(a.astype(np.float32), M, off, order=1, mode="nearest")
            return np.clip(np.rint(moved), 0, 255).astype(np.uint8)
        img = np.stack([warp(img[..., c]) for c in range(3)], -1)
        maps = [warp(m) for m in maps]
    if rng.random() < cfg.get("p_degrade", 0.0):
        img = photometric(img.astype(np.float32) / 255, rng, {})
    return img, maps


def write_shard(bank_dir, k: int, arrays: dict):
    """Atomic: written to a temporary folder, then renamed."""
    d = Path(bank_dir)
    tmp = d / f".tmp-{shard_name(k)}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for name, arr in arrays.items():
        np.save(tmp / f"{name}.npy", arr)
    final = d / shard_name(k)
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final


def build_bank(cfg: dict, out, n_shards: int, shard_size: int = 256, teacher_path=None, seed: int | None = None,
               log=print, faces=None, part=(0, 1)):
    """Synthesise shards 0..n_shards-1 (skipping finished ones) into `out`. `faces`: an optional
    (train FaceBank, description) pair (tests); otherwise dataset.build_banks(cfg['data'])."""
    from .dataset import TrainStream, build_banks, stream_face
    from .train import load_ckpt, net_from_ckpt
    from .utils import git_commit
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seed = int(cfg.get("bank_seed", 11) if seed is None else seed)
    meta = {"size": cfg["size"], "seed": seed, "shard_size": shard_size, "synth": cfg.get("synth", {}),
            "data": cfg["data"], "teacher": str(teacher_path) if teacher_path else None,
            "git_commit": git_commit(), "types": ALL_TYPES}
    mp = out / "meta.json"
    if mp.exists():
        old = json.loads(mp.read_text())
        # composite k indexes the training faces of the bank's split: another data config (root,
        # split, holdout) would mix composites of other faces under the same indices
        for k in ("size", "seed", "shard_size", "teacher", "data"):
            if old.get(k) != meta[k]:
                raise ValueError(f"{out}: existing bank has {k}={old.get(k)!r}, not {meta[k]!r}")
        meta["git_commit"] = old.get("git_commit")
        changes = old.get("synth_changes", [])
        last = changes[-1]["synth"] if changes else old.get("synth")
        if last != meta["synth"]:  # shards from here on are synthesised with another mix: say so
            todo0 = [k for k in range(n_shards) if k % part[1] == part[0] and not (out / shard_name(k) / "type.npy").exists()]
            changes.append({"from_shard": min(todo0) if todo0 else n_shards, "synth": meta["synth"]})
            old["synth_changes"] = changes
            log(f"bank {out}: synth config differs from the bank's; new shards use it (meta.json synth_changes)")
            tmp = out / f".meta-{os.getpid()}.json"
            tmp.write_text(json.dumps(old, indent=2))
            tmp.replace(mp)
    todo = [k for k in range(n_shards) if k % part[1] == part[0] and not (out / shard_name(k) / "type.npy").exists()]
    if not todo:
        log(f"bank {out}: {n_shards} shards already finished")
        return out
    if faces is None:
        tb, _vb, desc = build_banks(cfg["data"], 1)
    else:
        tb, desc = faces
    meta["split"] = {k: v for k, v in desc.items() if k != "val_names"}
    meta["train_names"] = desc.get("train_names")
    if not mp.exists():
        tmp = out / f".meta-{os.getpid()}.json"
        tmp.write_text(json.dumps(meta, indent=2))
        tmp.replace(mp)
    teacher = None
    if teacher_path:
        teacher = net_from_ckpt(load_ckpt(teacher_path)).eval()
        teacher = teacher.to(memory_format=torch.channels_last)
        for p in teacher.parameters():
            p.requires_grad_(False)
    ds = TrainStream(tb, cfg["size"], cfg.get("synth", {}), seed)
    for k in todo:
        t0 = time.time()
        S = cfg["size"]
        img = np.zeros((shard_size, S, S, 3), np.uint8)
        alpha = np.zeros((shard_size, S, S), np.uint8)
        typ = np.zeros((shard_size,), np.uint8)
        for j in range(shard_size):
            i = k * shard_size + j
            s = ds.syn.sample(stream_face(i, ds.n, seed), np.random.default_rng([seed, 2, i]))
            img[j] = s["image"]
            alpha[j] = np.clip(np.rint(s["alpha"] * 255), 0, 255).astype(np.uint8)
            typ[j] = _type_code(s["type"])
        t1 = time.time()
        arrays = {"img": img, "alpha": alpha}
        if teacher is not None:
            arrays["talpha"], arrays["tlogvar"] = teacher_outputs(teacher, img)
        arrays["type"] = typ
        write_shard(out, k, arrays)
        log(f"bank {out}: {shard_name(k)} ({shard_size} composites) synth {t1 - t0:.1f} s"
            f" ({(t1 - t0) / shard_size * 1000:.0f} ms each), teacher {time.time() - t1:.1f} s")
    return out


class BankStream:
    """Endless augmented batches from a bank's finished shards (re-listed every `refresh` batches,
    so training can start while the bank still grows). Batch b's draw is seeded by [seed, b], so a
    resumed run continues the same stream when the bank has not grown in between.

    Yields (img uint8 Bx3xSxS, alpha, face(=alpha>0 placeholder), talpha or None, tlogvar or None),
    alpha/talpha/tlogvar float Bx1xSxS."""

    def __init__(self, bank_dir, batch: int, seed: int, aug: dict | None = None, refresh: int = 200,
                 start_batch: int = 0, max_shards: int | None = None, exclude=(),
                 photos: dict | None = None, p_photo: float = 0.0, photo_recolour: dict | None = None,
                 photo_aug: dict | None = None, hair_paste: dict | None = None, hair_shadow: dict | None = None,
                 parts: bool = False):
        self.dir = Path(bank_dir)
        self.photos, self.p_photo = (photos, float(p_photo)) if photos and p_photo > 0 else (None, 0.0)
        # parts: each batch also carries the photos' label groups (parts.py), zero on composites
        self.parts = bool(parts)
        if self.parts and not self.photos:
            raise ValueError("parts (loss.w_parts) needs the training photos in the batches (bank.p_photo > 0)")
        self.photo_recolour = photo_recolour or {}
        self.photo_aug = photo_aug or {}
        self.hair_paste = hair_paste or {}
        self.hair_shadow = hair_shadow or {}
        self.batch, self.seed, self.refresh = batch, seed, refresh
        self.aug = {"flip": 0.5, "crop": [0.8, 1.0], "p_crop": 0.7, "jitter": 1.0, **(aug or {})}
        self.b = start_batch
        self.max_shards = max_shards
        self._arrays, self._n = [], 0
        self._skip_faces = self._face_indices(set(exclude)) if exclude else set()
        self._load()

    def _face_indices(self, names: set) -> set:
        """Indices (in the bank's training faces) of the named faces: their composites are never
        drawn. The bank keeps them (composite k stays tied to its face, see stream_face)."""
        from .dataset import train_face_names
        meta = json.loads((self.dir / "meta.json").read_text())
        faces = meta.get("train_names") or train_face_names(meta["data"])
        self._meta = meta
        self._n_faces = len(faces)
        return {i for i, n in enumerate(faces) if n in names}

    def _usable(self, shard: Path, size: int) -> np.ndarray:
        """Flat indices within a shard of the composites whose face is not excluded."""
        if not self._skip_faces:
            return np.arange(size)
        from .dataset import stream_face
        k0 = int(shard.name.split("-")[1]) * int(self._meta["shard_size"])
        return np.array([j for j in range(size)
                         if stream_face(k0 + j, self._n_faces, self._meta["seed"]) not in self._skip_faces], int)

    def _load(self):
        shards = finished_shards(self.dir)
        if self.max_shards:
            shards = shards[: self.max_shards]
        if len(shards) == len(self._arrays):
            return
        arrs = []
        for p in shards:
            a = {n: np.load(p / f"{n}.npy", mmap_mode="r") for n in ARRAYS if (p / f"{n}.npy").exists()}
            arrs.append(a)
        if not arrs:
            raise FileNotFoundError(f"{self.dir}: no finished shards")
        self._arrays = arrs
        self._sizes = np.array([len(a["type"]) for a in arrs])
        self._cum = np.concatenate([[0], np.cumsum(self._sizes)])
        self._n = int(self._cum[-1])
        # the flat indices that may be drawn (all of them unless faces are excluded)
        self._drawable = np.concatenate([c + self._usable(p, n) for p, c, n in zip(shards, self._cum, self._sizes)])
        self.has_teacher = all("talpha" in a for a in arrs)

    def __len__(self):
        return self._n

    def __iter__(self):
        return self

    def __next__(self):
        if self.b % self.refresh == 0:
            self._load()
        rng = np.random.default_rng([self.seed, 9, self.b])
        self.b += 1
        # with photos, each slot is a real photo with probability p_photo (drawn only then, so a
        # stream without photos is the same as before they existed)
        n_ph = int(rng.binomial(self.batch, self.p_photo)) if self.photos else 0
        m = len(self._drawable)
        idx = np.sort(self._drawable[rng.choice(m, self.batch - n_ph, replace=m < self.batch)])
        sh = np.searchsorted(self._cum, idx, side="right") - 1
        picks = [(self._arrays[s], i) for s, i in zip(sh, idx - self._cum[sh])]
        if n_ph:
            picks += [(self.photos, i) for i in rng.choice(len(self.photos["img"]), n_ph)]
        # the photos' recolouring draws from a stream of its own, so that it leaves every other
        # draw of the batch as it was
        rrng = np.random.default_rng([self.seed, 10, self.b - 1])
        imgs, al, ta, tl, pt = [], [], [], [], []
        for a, i in picks:
            photo = a is self.photos
            img = recolour_photo(a, i, rrng, self.photo_recolour) if photo and self.photo_recolour else a["img"][i]
            maps = [a["alpha"][i]] + ([a["talpha"][i], a["tlogvar"][i]] if self.has_teacher else [])
            n_maps = len(maps)
            if self.parts and photo:
                maps += one_hot_u8(a["parts"][i])
            if photo and (self.hair_paste or self.hair_shadow):
                # with hair_paste off this only hands back the photo's own hair weight
                img, maps, hair = paste_hair(a, i, img, maps, rrng, self.hair_paste, n_maps if self.parts else None)
                if self.hair_shadow:
                    img = hair_shadow(img, hair, rrng, self.hair_shadow)
            if photo and self.photo_aug:
                img, maps = augment_photo(img, maps, rrng, self.photo_aug)
            imgs.append(img)
            al.append(maps[0])
            if self.has_teacher:
                ta.append(maps[1])
                tl.append(maps[2])
            if self.parts:
                pt.append(np.stack(maps[n_maps:]) if photo else np.zeros((N_GROUPS,) + img.shape[:2], np.uint8))
        img = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2)
        alpha = torch.from_numpy(np.stack(al))[:, None].float() / 255.0
        talpha = torch.from_numpy(np.stack(ta))[:, None].float() / 255.0 if ta else None
        tlogvar = dequantise_logvar(torch.from_numpy(np.stack(tl))[:, None]) if tl else None
        parts = torch.from_numpy(np.stack(pt)).float() / 255.0 if pt else None
        return augment(img, alpha, talpha, tlogvar, rng, self.aug, parts)


def _crop_resize(x: torch.Tensor, boxes, S: int) -> torch.Tensor:
    """Per-sample crop boxes (x0, y0, side) resized back to SxS (bilinear, align_corners False)."""
    out = torch.empty(x.shape[0], x.shape[1], S, S, dtype=torch.float32)
    for i, (x0, y0, c) in enumerate(boxes):
        patch = x[i:i + 1, :, y0:y0 + c, x0:x0 + c].float()
        out[i] = patch[0] if c == S else F.interpolate(patch, size=(S, S), mode="bilinear", align_corners=False)[0]
    return out


def face_light(x, alpha, rng, p: float):
    """A light from one side, at the scale of the face: with probability p per image, the image is
    multiplied by amb + (1 - amb) * sigmoid((d - offset) / soft), where d is the distance along a
    random direction from the visible face's centre in units of its radius (from the target alpha),
    amb (0.12-0.7) is the shadow side's share of the light, soft (0.08-1 radius) how sharp the
    terminator is, and the lit side may be over-exposed (gain 1-1.4, clipped).

    Why: the composites' own directional light (synth/photometric.py) is a gentle ramp across the
    whole frame (at most -30 % at one edge), while on real photos (the validation split's worst
    faces) a side light or a cap's shadow darkens half a face to a fraction of the other half, and
    the student then drops the shadowed skin as "not face". The light falls on face, occluders and
    background alike, so darkness stops being a cue for "not face"; the target is unchanged.
    x: Bx3xSxS in [0, 1]; alpha: Bx1xSxS."""
    B, _, S, _ = x.shape
    on = torch.from_numpy(rng.random(B) < p)
    th = torch.from_numpy(rng.uniform(0, 2 * np.pi, B).astype(np.float32))
    amb = torch.from_numpy(rng.uniform(0.12, 0.7, B).astype(np.float32))
    soft = torch.from_numpy(rng.uniform(0.08, 1.0, B).astype(np.float32))
    off = torch.from_numpy(rng.uniform(-0.6, 0.6, B).astype(np.float32))
    gain = torch.from_numpy(rng.uniform(1.0, 1.4, B).astype(np.float32))
    a = alpha[:, 0].float()
    m = a.sum((1, 2))
    c = torch.arange(S, dtype=torch.float32) + 0.5
    yy, xx = c[:, None].expand(S, S), c[None, :].expand(S, S)
    has_face = m > 16
    cx = torch.where(has_face, (a * xx).sum((1, 2)) / m.clamp(min=1), torch.full((B,), S / 2))
    cy = torch.where(has_face, (a * yy).sum((1, 2)) / m.clamp(min=1), torch.full((B,), S / 2))
    r = torch.where(has_face, (m / np.pi).sqrt(), torch.full((B,), S / 4)).clamp(min=4)
    d = ((xx - cx[:, None, None]) * th.cos()[:, None, None]
         + (yy - cy[:, None, None]) * th.sin()[:, None, None]) / r[:, None, None]
    shade = amb[:, None, None] + (1 - amb[:, None, None]) * torch.sigmoid(
        (d - off[:, None, None]) / soft[:, None, None])
    shade = torch.where(on[:, None, None], shade * gain[:, None, None], torch.ones(()))
    return (x * shade[:, None]).clamp(0, 1)


def augment(img, alpha, talpha, tlogvar, rng, aug: dict, parts=None):
    """Flip, crop-resize (all maps alike), colour jitter (image only). img uint8 Bx3xSxS; parts
    (optional) Bx N_GROUPS xSxS soft label groups (parts.py). Returns (img, alpha, face, talpha,
    tlogvar, parts), None for what was not given."""
    B, _, S, _ = img.shape
    flip = rng.random(B) < aug.get("flip", 0.5)
    lo, hi = aug.get("crop", [0.8, 1.0])
    boxes = []
    for _ in range(B):
        if rng.random() < aug.get("p_crop", 0.7):
            c = int(round(S * rng.uniform(lo, hi)))
            boxes.append((int(rng.integers(0, S - c + 1)), int(rng.integers(0, S - c + 1)), c))
        else:
            boxes.append((0, 0, S))
    maps = [alpha] + [m for m in (talpha, tlogvar, parts) if m is not None]
    stack = torch.cat([img.float()] + maps, 1)
    stack = _crop_resize(stack, boxes, S)
    fl = torch.from_numpy(flip)
    if fl.any():
        stack[fl] = stack[fl].flip(-1)
    x = stack[:, :3] / 255.0
    if aug.get("light", 0) > 0:
        x = face_light(x, stack[:, 3:4], rng, float(aug["light"]))
    j = float(aug.get("jitter", 1.0))
    if j > 0:
        def u(a, b, shape=(B, 1, 1, 1)):
            return torch.from_numpy(rng.uniform(a, b, (B,) + shape[1:]).astype(np.float32)).reshape(shape)
        gray = x.mean(1, keepdim=True)
        x = gray + (x - gray) * u(1 - 0.3 * j, 1 + 0.3 * j)                      # saturation
        m = x.mean((1, 2, 3), keepdim=True)
        x = m + (x - m) * u(1 - 0.25 * j, 1 + 0.25 * j)                           # contrast
        x = x * u(1 - 0.25 * j, 1 + 0.25 * j) * u(1 - 0.06 * j, 1 + 0.06 * j, (B, 3, 1, 1))  # exposure, gain
        x = x.clamp(0, 1) ** u(1 - 0.2 * j, 1 + 0.2 * j)                          # gamma
    img_out = (x.clamp(0, 1) * 255 + 0.5).to(torch.uint8)
    k = 3
    alpha = stack[:, k:k + 1].clamp(0, 1)
    k += 1
    if talpha is not None:
        talpha = stack[:, k:k + 1].clamp(0, 1)
        k += 1
    if tlogvar is not None:
        tlogvar = stack[:, k:k + 1]
        k += 1
    if parts is not None:
        parts = stack[:, k:k + parts.shape[1]].clamp(0, 1)
    return img_out, alpha, (alpha > 0).float(), talpha, tlogvar, parts


def main(argv=None):
    from .utils import load_config
    ap = argparse.ArgumentParser(description="grow a bank of pre-rendered composites + cached teacher outputs")
    ap.add_argument("--config", required=True)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--out", required=True)
    ap.add_argument("--shards", type=int, required=True, help="shards 0..N-1 (finished ones are skipped)")
    ap.add_argument("--shard-size", type=int, default=256)
    ap.add_argument("--teacher", help="checkpoint (.pt) or shipped student (.onnx) whose outputs are cached")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--part", default="0/1", help="J/K: only shards k with k %% K == J (K processes side by side)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = load_config(a.config, a.set)
    j, k = (int(v) for v in a.part.split("/"))
    build_bank(cfg, a.out, a.shards, a.shard_size, a.teacher, a.seed, part=(j, k))


if __name__ == "__main__":
    main()
