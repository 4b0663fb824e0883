"""Torch datasets over the synthesizer: an endless seeded training stream and a fixed, seeded
validation set (every validation face x every occluder type + clean)."""
from __future__ import annotations

import functools

import numpy as np
import torch

from .data import list_samples, load_faces, split, synthetic_faces
from .synth import ALL_TYPES, EVAL_TYPES, FaceBank, Synthesizer
from .utils import resolve_data_root


def split_samples(dcfg: dict):
    """-> (data root, train samples, val samples, held-out names) of a data config: the split,
    then the real-occlusion holdout and the max_train / max_val caps (the training faces' order
    is the order composite k of a stream or bank indexes, see stream_face)."""
    root = resolve_data_root(dcfg.get("root"))
    samples = list_samples(root)
    if dcfg.get("max_faces"):
        samples = samples[: int(dcfg["max_faces"])]
    tr, va = split(samples, float(dcfg.get("val_fraction", 0.15)), int(dcfg.get("split_seed", 1234)))
    held = []
    if dcfg.get("holdout_realocc"):  # hold the real-occlusion faces out of training (realocc.py)
        from .realocc import real_occlusion_names
        names = real_occlusion_names(samples, float(dcfg["holdout_realocc"]))
        held = [s.name for s in tr if s.name in names]
        tr = [s for s in tr if s.name not in names]
    if dcfg.get("max_train"):
        tr = tr[: int(dcfg["max_train"])]
    if dcfg.get("max_val"):
        va = va[: int(dcfg["max_val"])]
    return root, tr, va, held


def train_face_names(dcfg: dict) -> list[str]:
    """The training faces of a data config by name, in FaceBank order (procedural faces of
    `synthetic: N` are named synthetic-<index>)."""
    if dcfg.get("synthetic"):
        n = int(dcfg["synthetic"])
        nv = max(1, int(round(n * dcfg.get("val_fraction", 0.15))))
        return [f"synthetic-{i}" for i in range(nv, n)]
    return [s.name for s in split_samples(dcfg)[1]]


def build_banks(dcfg: dict, workers: int = 1, exclude=()):
    """-> (train FaceBank, val FaceBank, description dict). dcfg keys: root, val_fraction,
    split_seed, src_size, max_faces, synthetic (int: use N procedural faces instead of data),
    holdout_realocc (float: drop the training faces of the real-occlusion split, see realocc.py,
    with this occluder share of the face outline, e.g. 0.02). exclude: training face names left
    out (labels known to be wrong, see exclude_faces in train.py)."""
    src = int(dcfg.get("src_size", 512))
    exclude = set(exclude)
    if dcfg.get("synthetic"):
        n = int(dcfg["synthetic"])
        imgs, labs = synthetic_faces(n, src, seed=int(dcfg.get("split_seed", 0)))
        nv = max(1, int(round(n * dcfg.get("val_fraction", 0.15))))
        keep = [i for i in range(nv, n) if f"synthetic-{i}" not in exclude]
        desc = {"root": None, "synthetic": n, "n_train": len(keep), "n_val": nv,
                "excluded": sorted(exclude & set(train_face_names(dcfg)))}
        return FaceBank(imgs[keep], labs[keep]), FaceBank(imgs[:nv], labs[:nv]), desc
    root, tr, va, held = split_samples(dcfg)
    dropped = [s.name for s in tr if s.name in exclude]
    tr = [s for s in tr if s.name not in exclude]
    desc = {"root": str(root), "n_train": len(tr), "n_val": len(va), "val_names": [s.name for s in va],
            "n_holdout_realocc": len(held), "holdout_realocc": held, "excluded": dropped}
    return (FaceBank(*load_faces(tr, src, workers), workers=workers),
            FaceBank(*load_faces(va, src, workers), workers=workers), desc)


def _to_tensors(s):
    img = torch.from_numpy(np.ascontiguousarray(s["image"].transpose(2, 0, 1)))  # uint8 3xHxW
    alpha = torch.from_numpy(s["alpha"][None]).half()
    face = torch.from_numpy(s["face"][None]).half()
    return img, alpha, face


@functools.lru_cache(maxsize=8)
def _epoch_perm(seed: int, epoch: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, 1, epoch]).permutation(n)


def stream_face(i: int, n: int, seed: int) -> int:
    """The face (index into the training FaceBank of n faces) of sample i of a TrainStream with
    this seed, and so of composite i of a bank built with it: each epoch of n samples visits
    every face once, in a permutation seeded by [seed, 1, epoch]."""
    e, j = divmod(int(i), n)
    return int(_epoch_perm(int(seed), e, n)[j])


class TrainStream(torch.utils.data.Dataset):
    """Sample i: face = epoch-permutation of i, randomness = default_rng([seed, i])."""

    def __init__(self, bank: FaceBank, size: int, scfg: dict, seed: int, length: int = 10 ** 8):
        self.syn = Synthesizer(bank, size, scfg)
        self.n, self.seed, self.length = bank.n, seed, length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        rng = np.random.default_rng([self.seed, 2, int(i)])
        s = self.syn.sample(stream_face(i, self.n, self.seed), rng)
        return _to_tensors(s)


class ValSet(torch.utils.data.Dataset):
    """Fixed validation set: item (face k, type t) is synthesised with default_rng([seed, 3, k, t])
    (t: the type's index in ALL_TYPES; types defaults to EVAL_TYPES, extra types such as hand3d
    may be added)."""

    def __init__(self, bank: FaceBank, size: int, scfg: dict, seed: int, types=EVAL_TYPES,
                 n_faces: int | None = None):
        self.syn = Synthesizer(bank, size, scfg)
        self.types = list(types)
        self.nf = min(bank.n, n_faces or bank.n)
        self.seed = seed

    def __len__(self):
        return self.nf * len(self.types)

    def __getitem__(self, i):
        ti, k = divmod(int(i), self.nf)
        rng = np.random.default_rng([self.seed, 3, k, ALL_TYPES.index(self.types[ti])])
        s = self.syn.sample(k, rng, self.types[ti])
        img, alpha, face = _to_tensors(s)
        return img, alpha, face, ALL_TYPES.index(self.types[ti])


def worker_init(_):
    torch.set_num_threads(1)


def loader(ds, batch, workers, shuffle=False, drop_last=False, prefetch=4):
    kw = {}
    if workers > 0:
        import multiprocessing as mp
        kw = dict(num_workers=workers, persistent_workers=False, prefetch_factor=prefetch,
                  worker_init_fn=worker_init, multiprocessing_context=mp.get_context("fork"))
    return torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=shuffle, drop_last=drop_last,
                                       pin_memory=torch.cuda.is_available(), **kw)


def normalize(img_u8: torch.Tensor, mean=0.5, std=0.5) -> torch.Tensor:
    """uint8 Bx3xHxW -> float normalised exactly as the manifest says."""
    return (img_u8.float() / 255.0 - mean) / std
