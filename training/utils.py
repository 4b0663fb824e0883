"""Shared helpers: repo paths, configs, run folders (seed, config, git commit), seeding."""
from __future__ import annotations

import functools
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "celebamask-hq-1k"


def resolve_data_root(p: str | None) -> Path:
    """Data path from the config/CLI; relative paths are taken from the repo root.
    Falls back to the repo-local copy .data/celebamask-hq-1k (used on the GPU machine)."""
    cands = []
    if p:
        q = Path(p)
        cands.append(q if q.is_absolute() else REPO_ROOT / q)
    cands += [DEFAULT_DATA, REPO_ROOT / ".data" / "celebamask-hq-1k"]
    for c in cands:
        if c.exists():
            return c.resolve()
    raise FileNotFoundError(f"no data found; tried {[str(c) for c in cands]}")


def load_config(path: str | os.PathLike, overrides: list[str] | None = None) -> dict:
    with open(path) as f:
        cfg = json.load(f)
    for ov in overrides or []:
        k, v = ov.split("=", 1)
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            pass
        d = cfg
        keys = k.split(".")
        for kk in keys[:-1]:
            d = d.setdefault(kk, {})
        d[keys[-1]] = v
    return cfg


def git_commit() -> str:
    try:
        c = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                           text=True, timeout=10).stdout.strip()
        d = subprocess.run(["git", "status", "--porcelain", "training", "models"], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=10).stdout.strip()
        return (c or "unknown") + ("+dirty" if d else "")
    except Exception:
        return os.environ.get("FACEMAT_GIT_COMMIT", "unknown")


def seed_everything(seed: int):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def make_run_dir(base: str | os.PathLike, name: str, cfg: dict, argv=None) -> Path:
    base = Path(base)
    if not base.is_absolute():
        base = REPO_ROOT / base
    stamp = time.strftime("%Y%m%d-%H%M%S")
    d = base / f"{name}-{stamp}"
    i = 1
    while d.exists():
        d = base / f"{name}-{stamp}-{i}"
        i += 1
    d.mkdir(parents=True)
    write_run_info(d, cfg, argv)
    return d


def write_run_info(d: Path, cfg: dict, argv=None):
    """Record config, seed, git commit and environment in a run folder."""
    d.mkdir(parents=True, exist_ok=True)
    info = {
        "seed": cfg.get("seed"),
        "git_commit": os.environ.get("FACEMAT_GIT_COMMIT") or git_commit(),
        "argv": argv if argv is not None else sys.argv,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "host": platform.node(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    (d / "config.json").write_text(json.dumps(cfg, indent=2))
    (d / "run_info.json").write_text(json.dumps(info, indent=2))


def open_report(path: str | os.PathLike, cfg: dict):
    """An evaluation's output folder (relative paths from the repo root) with its run info
    recorded, and a Logger writing its log.txt: -> (folder, log)."""
    out = Path(path)
    out = out if out.is_absolute() else REPO_ROOT / out
    write_run_info(out, cfg)
    return out, Logger(out / "log.txt")


def write_report(out: Path, stem: str, res: dict, md: str, log) -> None:
    """Writes OUT/STEM.json (the numbers) and OUT/STEM.md (the table), and logs the table."""
    (out / f"{stem}.json").write_text(json.dumps(res, indent=2))
    (out / f"{stem}.md").write_text(md)
    log(md)


class Logger:
    def __init__(self, path: Path | None):
        self.f = open(path, "a") if path else None

    def __call__(self, *a):
        s = " ".join(str(x) for x in a)
        print(s, flush=True)
        if self.f:
            self.f.write(s + "\n")
            self.f.flush()


@functools.lru_cache(maxsize=None)
def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX-BF16 or AVX512-BF16, from /proc/cpuinfo; read
    once, as autocast asks every step). Without it torch emulates bf16 through fp32 conversions: on
    this project's AMD EPYC (AVX2 only) the bank students under bf16 autocast made fewer than 25
    steps in 8 minutes, against 25 steps in 3 minutes in fp32 under a similar load."""
    try:
        flags = next((ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")), "")
    except OSError:
        return False
    return bool({"amx_bf16", "avx512_bf16"} & set(flags.split()))


def malloc_keep_heap(trim_bytes: int = 1 << 30) -> bool:
    """train.malloc_keep_heap: glibc's malloc serves every buffer from one heap and keeps up to
    `trim_bytes` of freed memory instead of returning it to the kernel. By default each buffer over
    32 MB (a batch-16 activation at 256x256 is 17-67 MB) is a fresh mmap that the kernel zero-fills
    page by page and unmaps on free: on this CPU about a third of a 1-thread student step's CPU
    time went to those page faults (system time). Costs more resident memory (peak about +0.1-0.7
    GB for two students). Linux glibc only; returns False (and changes nothing) elsewhere."""
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_MAX, M_ARENA_MAX = -1, -4, -8
    return all(libc.mallopt(k, v) == 1 for k, v in ((M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, trim_bytes), (M_ARENA_MAX, 1)))
