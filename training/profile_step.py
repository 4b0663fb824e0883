"""Where one student training step's time goes on the CPU (the breakdown in training/README.md).

  nice -n 10 /usr/bin/python3 -m training.profile_step --cpu-time --faces 0 --rounds 3 \
      --variants bf16-cl-fold-old-t2,bf16-cl-fold-t1,bf16-cl-fold-t1-par,bf16-cl-fold-t1-crop192

Times, per sample (ms), the parts of one step of the on-the-fly path (synthesis of a composite on
one core, the 3.85 M-parameter teacher's forward, the student's forward, loss, backward and
optimiser step) and of the bank path (batch read from the memory-mapped bank + augmentation,
then the same student step). Random weights: the cost does not depend on them. Median of --reps
repetitions after a warm-up; --rounds R measures every variant R times, interleaved, and prints
each median's range over the rounds (the spread on a loaded machine).

A variant is a dash-separated list of tokens:
  fp32 | bf16       autocast bf16 on the CPU (train.cpu_bf16)
  nchw | cl         memory format (train.channels_last)
  fold              BatchNorm folded into the convolutions (train.fold_bn)
  old               the code before the step work: Laplacian blur as a conv2d, two one-channel
                    heads, no channels-last upsampling gradient (model.CPU_TRAIN_PATHS off)
  tN                N intra-op threads (default --threads)
  bN                batch N (default --batch)
  cropN             NxN inputs (train.crop: native-scale crops of the 256x256 composites)
  freezeN           first N encoder parts frozen (train.freeze_prefix)
  par               both students (weighted + ablation) side by side in two threads with one
                    intra-op thread each (train.parallel_students); reported as both_students_ms
  teacher           also time the teacher's forward (the on-the-fly path)
--malloc-keep-heap (train.malloc_keep_heap) changes the whole process's malloc, so it is a flag:
compare it with a second command, not within one.
both_students_ms is the CPU (or wall) time of one sample for both students: 2 x student_step_ms,
or the measured side-by-side pair with "par".
"""
from __future__ import annotations

import argparse
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
import torch

from . import losses
from . import model as model_mod
from .dataset import normalize
from .model import STUDENT_ARCH, TEACHER_ARCH, build, freeze_prefix


CLOCK = time.perf_counter  # --cpu-time: time.process_time (CPU seconds of all threads)


def _med(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t0 = CLOCK()
        f()
        ts.append(CLOCK() - t0)
    return float(np.median(ts))


def parse_variant(v: str, threads: int, batch: int) -> dict:
    o = {"variant": v, "bf16": False, "channels_last": False, "fold_bn": False, "old": False, "threads": threads,
         "batch": batch, "size": 256, "freeze": 0, "par": False, "teacher": False}
    for tok in v.split("-"):
        m = re.fullmatch(r"(t|b|crop|freeze)(\d+)", tok)
        if m:
            o[{"t": "threads", "b": "batch", "crop": "size", "freeze": "freeze"}[m[1]]] = int(m[2])
        elif tok in ("fp32", "bf16"):
            o["bf16"] = tok == "bf16"
        elif tok in ("nchw", "cl"):
            o["channels_last"] = tok == "cl"
        elif tok in ("fold", "old", "par", "teacher"):
            o[{"fold": "fold_bn"}.get(tok, tok)] = True
        else:
            raise ValueError(f"unknown variant token {tok!r} in {v!r}")
    return o


def _student(o, fmt):
    net = build(STUDENT_ARCH)
    if o["fold_bn"]:  # train.fold_bn: BatchNorm frozen into the convolutions
        from .fold import fold_bn
        fold_bn(net.eval())
    net = net.to(memory_format=fmt).train()
    if o["freeze"]:
        freeze_prefix(net, o["freeze"])
    return net, torch.optim.AdamW(net.parameters(), lr=1e-3)


def profile(o: dict, reps=5, n_synth=16, bank=None, faces=None, layers=0):
    torch.set_num_threads(o["threads"])
    batch, size = o["batch"], o["size"]
    fmt = torch.channels_last if o["channels_last"] else torch.contiguous_format
    amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if o["bf16"] else nullcontext
    out = dict(o)
    saved = model_mod.CPU_TRAIN_PATHS, losses._gauss5
    if o["old"]:
        model_mod.CPU_TRAIN_PATHS, losses._gauss5 = False, losses._gauss5_conv
    try:
        if faces is not None:  # synthesis, one composite at a time on one core
            from .synth import Synthesizer
            syn = Synthesizer(faces, 256, {})
            torch.set_num_threads(1)
            t0 = CLOCK()
            for i in range(n_synth):
                syn.sample(i % faces.n, np.random.default_rng([5, i]))
            out["synth_ms_per_sample_1core"] = (CLOCK() - t0) / n_synth * 1000
            torch.set_num_threads(o["threads"])
        torch.manual_seed(0)
        x = normalize(torch.randint(0, 255, (batch, 3, size, size), dtype=torch.uint8)).contiguous(memory_format=fmt)
        gt = torch.rand(batch, 1, size, size)
        ta, tlv = torch.rand(batch, 1, size, size), torch.randn(batch, 1, size, size)
        if o["teacher"]:
            teacher = build(TEACHER_ARCH).to(memory_format=fmt).eval()

            def tfwd():
                with torch.no_grad(), amp():
                    return teacher(x)
            out["teacher_fwd_ms"] = _med(tfwd, reps) * 1000 / batch
        cfg = {"k": 4.0, "beta": 0.5}
        if o["par"]:
            pairs = [_student(o, fmt) for _ in range(2)]

            def one(i):
                net, opt = pairs[i]
                with amp():
                    a, lv = net(x)
                loss = losses.student_loss(a.float(), lv.float(), gt, ta, tlv, cfg, weighted=i == 0)[0]
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
            with ThreadPoolExecutor(2, initializer=torch.set_num_threads, initargs=(1,)) as pool:
                out["both_students_ms"] = _med(lambda: list(pool.map(one, [0, 1])), reps) * 1000 / batch
        else:
            student, opt = _student(o, fmt)
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
            steps = [sum(v[i] for v in parts.values()) for i in range(reps)]
            out["student_step_ms"] = float(np.median(steps)) * 1000 / batch
            out["both_students_ms"] = 2 * out["student_step_ms"]
            if layers:
                _layers(lambda: [f() for f in (fwd, loss, bwd, stp)], batch, layers)
        if bank:
            from .bank import BankStream
            bs = BankStream(bank, batch, 0)
            crop = (lambda b: b) if size >= 256 else (lambda b: _crop(b, size))
            out["bank_batch_aug_ms"] = _med(lambda: normalize(crop(next(bs))[0]).contiguous(memory_format=fmt),
                                            reps) * 1000 / batch
    finally:
        model_mod.CPU_TRAIN_PATHS, losses._gauss5 = saved
    return out


def _crop(batch, size):
    from .train import random_crop
    return random_crop(batch, size, np.random.default_rng(0))


def _layers(step, batch, n):
    """torch.profiler over one step: the n most expensive (op, input shapes), CPU ms per sample."""
    from torch.profiler import ProfilerActivity, profile as tprofile
    with tprofile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
        step()
    ev = p.key_averages(group_by_input_shape=True)
    total = sum(e.self_cpu_time_total for e in ev)
    print(f"  torch.profiler, one step: {total / 1000 / batch:.1f} CPU-ms per sample (self times); top {n}:")
    for e in sorted(ev, key=lambda e: -e.self_cpu_time_total)[:n]:
        shapes = [s for s in e.input_shapes if s][:3]
        print(f"  {e.self_cpu_time_total / 1000 / batch:7.2f}  x{e.count:<3d} {e.key:36s} {shapes}")


ROWS = ("teacher_fwd_ms", "student_fwd_ms", "loss_ms", "backward_ms", "optim_ms", "student_step_ms",
        "both_students_ms", "bank_batch_aug_ms")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=1, help="measure every variant this many times, interleaved")
    ap.add_argument("--bank")
    ap.add_argument("--faces", type=int, default=16, help="real faces loaded for the synthesis timing (0: skip)")
    ap.add_argument("--variants", default="fp32-nchw-teacher,fp32-cl-teacher,bf16-cl-teacher,bf16-cl-fold")
    ap.add_argument("--layers", type=int, default=0, help="also print the N most expensive ops of each variant")
    ap.add_argument("--json", help="write all measurements here")
    ap.add_argument("--malloc-keep-heap", action="store_true",
                    help="glibc malloc without mmap per buffer (train.malloc_keep_heap), for the whole process")
    ap.add_argument("--cpu-time", action="store_true",
                    help="CPU seconds (all threads) instead of wall time: comparable on a shared, loaded machine")
    a = ap.parse_args(argv)
    global CLOCK
    if a.cpu_time:
        CLOCK = time.process_time
    if a.malloc_keep_heap:
        from .utils import malloc_keep_heap
        print(f"malloc_keep_heap: {malloc_keep_heap()}")
    fb = None
    if a.faces:
        from .dataset import build_banks
        fb, _, _ = build_banks({"root": "../shared/data/celebamask-hq-1k", "max_faces": a.faces + 4,
                                "val_fraction": 0.15, "split_seed": 1234}, 1)
    variants = [parse_variant(v, a.threads, a.batch) for v in a.variants.split(",")]
    res = {v["variant"]: [] for v in variants}
    for r in range(a.rounds):
        for i, v in enumerate(variants):
            if a.layers and r == 0:
                print(f"{v['variant']}:")
            m = profile(v, a.reps, bank=a.bank, faces=fb if (r == 0 and i == 0) else None,
                        layers=a.layers if r == 0 else 0)
            res[v["variant"]].append(m)
            print(json.dumps({"round": r, **m}), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    names = list(res)
    print(f"\n{'CPU' if a.cpu_time else 'wall'} ms per sample, median of {a.reps}"
          + (f" (min-max over {a.rounds} rounds)" if a.rounds > 1 else "") + " | " + " | ".join(names))
    for k in ROWS:
        cells = []
        for n in names:
            vals = [m[k] for m in res[n] if k in m]
            if not vals:
                cells.append("")
            elif len(vals) == 1:
                cells.append(f"{vals[0]:.1f}")
            else:
                cells.append(f"{np.median(vals):.1f} ({min(vals):.1f}-{max(vals):.1f})")
        if any(cells):
            print(f"{k} | " + " | ".join(cells))
    syn = res[names[0]][0].get("synth_ms_per_sample_1core")
    if syn:
        print(f"synthesis (1 core) | {syn:.1f}")


if __name__ == "__main__":
    main()
