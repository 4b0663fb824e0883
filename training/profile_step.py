"""Where one student training step's time goes on the CPU (the breakdown in training/README.md).

  nice -n 19 /usr/bin/python3 -m training.profile_step --threads 2 --batch 16 [--bank .data/bank]

Times, per sample (ms), the parts of one step of the on-the-fly path (synthesis of a composite on
one core, the 3.85 M-parameter teacher's forward, the student's forward, loss, backward and
optimiser step) and of the bank path (batch read from the memory-mapped bank + augmentation,
then the same student step), for fp32 / bf16 autocast and NCHW / channels-last. Random weights:
the cost does not depend on them. Median of --reps repetitions after a warm-up.
"""
from __future__ import annotations

import argparse
import json
import time
from contextlib import nullcontext

import numpy as np
import torch

from . import losses
from .dataset import normalize
from .model import STUDENT_ARCH, TEACHER_ARCH, build


CLOCK = time.perf_counter  # --cpu-time: time.process_time (CPU seconds of all threads)


def _med(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t0 = CLOCK()
        f()
        ts.append(CLOCK() - t0)
    return float(np.median(ts))


def profile(batch=16, size=256, reps=5, bf16=True, channels_last=True, n_synth=16, bank=None, faces=None,
            fold=False):
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else nullcontext
    out = {"batch": batch, "size": size, "threads": torch.get_num_threads(), "bf16": bf16,
           "channels_last": channels_last, "fold_bn": fold}
    if faces is not None:  # synthesis, one composite at a time on one core
        from .synth import Synthesizer
        syn = Synthesizer(faces, size, {})
        torch.set_num_threads(1)
        t0 = CLOCK()
        for i in range(n_synth):
            syn.sample(i % faces.n, np.random.default_rng([5, i]))
        out["synth_ms_per_sample_1core"] = (CLOCK() - t0) / n_synth * 1000
        torch.set_num_threads(out["threads"])
    x = normalize(torch.randint(0, 255, (batch, 3, size, size), dtype=torch.uint8)).contiguous(memory_format=fmt)
    gt = torch.rand(batch, 1, size, size)
    teacher = build(TEACHER_ARCH).to(memory_format=fmt).eval()

    def tfwd():
        with torch.no_grad(), amp():
            return teacher(x)
    out["teacher_fwd_ms"] = _med(tfwd, reps) * 1000 / batch
    ta, tlv = [v.float() for v in tfwd()]
    student = build(STUDENT_ARCH)
    if fold:  # train.fold_bn: BatchNorm frozen into the convolutions
        from .fold import fold_bn
        fold_bn(student.eval())
    student = student.to(memory_format=fmt).train()
    opt = torch.optim.AdamW(student.parameters(), lr=1e-3)
    cfg = {"k": 4.0, "beta": 0.5}
    state = {}

    def fwd():
        with amp():
            state["o"] = student(x)

    def loss():
        a, lv = state["o"]
        state["l"] = losses.student_loss(a.float(), lv.float(), gt, ta, tlv, cfg)[0]

    def bwd():
        opt.zero_grad(set_to_none=True)
        state["l"].backward()

    def stp():
        torch.nn.utils.clip_grad_norm_(student.parameters(), 5.0)
        opt.step()
    # each part timed inside full steps (backward needs a fresh graph)
    parts = {"student_fwd_ms": [], "loss_ms": [], "backward_ms": [], "optim_ms": []}
    for r in range(reps + 1):
        ts = []
        for f in (fwd, loss, bwd, stp):
            t0 = CLOCK()
            f()
            ts.append(CLOCK() - t0)
        if r:
            for k, v in zip(parts, ts):
                parts[k].append(v)
    for k, v in parts.items():
        out[k] = float(np.median(v)) * 1000 / batch
    out["student_step_ms"] = sum(out[k] for k in parts)
    if bank:
        from .bank import BankStream
        bs = BankStream(bank, batch, 0)
        out["bank_batch_aug_ms"] = _med(lambda: next(bs), reps) * 1000 / batch
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--bank")
    ap.add_argument("--faces", type=int, default=16, help="real faces loaded for the synthesis timing (0: skip)")
    ap.add_argument("--variants", default="fp32-nchw,fp32-cl,bf16-cl,bf16-cl-fold")
    ap.add_argument("--cpu-time", action="store_true",
                    help="CPU seconds (all threads) instead of wall time: comparable on a shared, loaded machine")
    a = ap.parse_args(argv)
    global CLOCK
    if a.cpu_time:
        CLOCK = time.process_time
    torch.set_num_threads(a.threads)
    fb = None
    if a.faces:
        from .dataset import build_banks
        fb, _, _ = build_banks({"root": "../shared/data/celebamask-hq-1k", "max_faces": a.faces + 4,
                                "val_fraction": 0.15, "split_seed": 1234}, 1)
    res = []
    for v in a.variants.split(","):
        r = profile(a.batch, reps=a.reps, bf16=v.startswith("bf16"), channels_last="-cl" in v,
                    bank=a.bank, faces=fb if not res else None, fold=v.endswith("fold"))
        r["variant"] = v
        res.append(r)
        print(json.dumps(r))
    syn = res[0].get("synth_ms_per_sample_1core")
    print(f"\n{'CPU' if a.cpu_time else 'wall'} ms per sample | " + " | ".join(r["variant"] for r in res))
    for k in ("teacher_fwd_ms", "student_fwd_ms", "loss_ms", "backward_ms", "optim_ms", "student_step_ms",
              "bank_batch_aug_ms"):
        if k in res[0]:
            print(f"{k} | " + " | ".join(f"{r[k]:.1f}" for r in res))
    if syn:
        print(f"synthesis (1 core) | {syn:.1f}")


if __name__ == "__main__":
    main()
