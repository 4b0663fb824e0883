"""Training loops (teacher, student + ablation student), time-boxed by wall clock or step count.

Entry points: `python3 -m training.train_teacher` and `python3 -m training.train_student`.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch

from . import losses
from .dataset import TrainStream, ValSet, build_banks, loader, normalize
from .model import STUDENT_ARCH, TEACHER_ARCH, build, count_macs, count_params, freeze_prefix, with_crelu_heads
from .utils import Logger, REPO_ROOT, load_config, make_run_dir, native_bf16, seed_everything, write_run_info


def device_of(cfg):
    d = cfg.get("device", "auto")
    if d == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(d)


def autocast(dev, enabled, cpu_bf16=False):
    """bf16 autocast on a GPU when `enabled`; on the CPU only with `cpu_bf16` too and only where the
    CPU has native bf16 (AMX, AVX512-BF16): there it gains about 2x for these networks with
    channels-last, elsewhere it is far slower than fp32 (utils.native_bf16), so it is ignored."""
    if dev.type == "cuda" and enabled:
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if dev.type == "cpu" and enabled and cpu_bf16 and native_bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return nullcontext()


def train_amp(dev, t):
    """The training loops' autocast from the config's train section (amp, cpu_bf16)."""
    return autocast(dev, t.get("amp", True), t.get("cpu_bf16", False))


def set_cpu_threads(t):
    """train.threads: torch's intra-op threads on the CPU. Debian's torch starts with 1 here
    (OpenMP's default), which leaves the second core of a small machine idle; but on a shared or
    2-core machine one op on 2 threads costs 1.5-2x the CPU seconds of 1 thread (training/README.md
    "Profile of one student step"). Also applies train.malloc_keep_heap (utils.malloc_keep_heap);
    returns whether it did (it needs glibc)."""
    if t.get("threads"):
        torch.set_num_threads(int(t["threads"]))
    if t.get("cpu_bf16") and t.get("amp", True) and not native_bf16() and not torch.cuda.is_available():
        print("train.cpu_bf16: this CPU has no native bf16 (AMX or AVX512-BF16): training in fp32")
    if t.get("malloc_keep_heap"):
        from .utils import malloc_keep_heap
        if malloc_keep_heap():
            return True
        print("train.malloc_keep_heap: not glibc, ignored")
    return False


def memory_format(t):
    """train.channels_last: oneDNN's CPU convolutions run about 2x faster on NHWC tensors."""
    return torch.channels_last if t.get("channels_last") else torch.contiguous_format


def lr_at(progress, base, warmup=0.03, final=0.02):
    if progress < warmup:
        return base * (0.1 + 0.9 * progress / warmup)
    p = min(1.0, (progress - warmup) / max(1e-6, 1 - warmup))
    return base * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * p)))


class Clock:
    """Progress in [0,1] from the wall-clock budget and/or the step budget (whichever is first)."""

    def __init__(self, budget_s=None, max_steps=None):
        self.t0 = time.time()
        self.budget_s, self.max_steps = budget_s, max_steps

    def progress(self, step):
        p = 0.0
        if self.budget_s:
            p = max(p, (time.time() - self.t0) / self.budget_s)
        if self.max_steps:
            p = max(p, step / self.max_steps)
        return p

    def elapsed(self):
        return time.time() - self.t0


def save_ckpt(path, net, arch, size, kind, cfg, extra=None):
    sd = {k: v.detach().float().cpu() if v.is_floating_point() else v.cpu() for k, v in net.state_dict().items()}
    obj = {"arch": arch, "state_dict": sd, "size": size, "kind": kind, "config": cfg}
    obj.update(extra or {})
    torch.save(obj, path)


def load_ckpt(path):
    """A checkpoint dict; a shipped student's .onnx is read back into one (onnx_weights)."""
    if str(path).endswith(".onnx"):
        from .onnx_weights import ckpt_from_onnx
        return ckpt_from_onnx(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def net_from_ckpt(ck: dict):
    """The network a loaded checkpoint describes, with its weights (in train mode, as built)."""
    net = build(ck["arch"])
    net.load_state_dict(ck["state_dict"])
    return net


def _batches(cfg, bank, dev, seed, start_batch=0):
    """Training batches; with train.echo = k each synthesised batch is used k times (every
    second use mirrored left-right) so a fast GPU is not starved by CPU synthesis. From a bank
    (cfg bank.dir) each batch is (img, alpha, face, teacher alpha, teacher logvar)."""
    echo = int(cfg["train"].get("echo", 1))
    for b in _raw_batches(cfg, bank, dev, seed, start_batch):
        yield b
        for e in range(1, echo):
            yield [x.flip(-1) if x is not None else None for x in b] if e % 2 == 1 else b


def warm_start_state(path, arch: dict, data_root=None, size: int = 256, log=print) -> dict:
    """A checkpoint's weights for a network of `arch`. A checkpoint with one convolution per
    decoder block is deepened to arch's dec_convs 2 with the same function (training.widen.deepen).
    A narrower checkpoint is widened to arch's
    channel counts with the same function (training.widen; the new channels' BatchNorms are
    normalised on 32 training photos from data_root). A checkpoint with "relu" heads (every
    shipped student) is converted to "crelu" heads computing the same function, so a run with
    arch.head_input "crelu" can continue from it."""
    src = net_from_ckpt(load_ckpt(path))
    if src.config["dec_convs"] != arch.get("dec_convs", 1):
        from .widen import deepen
        src = deepen(src.eval(), arch.get("dec_convs", 1))
        log(f"{path}: decoder deepened to {src.config['dec_convs']} convolutions per block with the same function")
    same_design = all(list(np.atleast_1d(src.config[k])) == list(np.atleast_1d(arch[k])) for k in ("depth", "expand", "dec_convs"))
    if same_design and (list(src.config["width"]), list(src.config["dec"])) != (list(arch["width"]), list(arch["dec"])):
        from .widen import normalise_new_channels, training_photos, widen
        before = _arch_desc(src.config)
        src = normalise_new_channels(widen(src.eval(), arch["width"], arch["dec"]), training_photos(32, size, data_root))
        log(f"{path}: widened from {before} to {_arch_desc(arch)} with the same function")
    want = arch.get("head_input", "relu")
    if src.head_input != want:
        if want != "crelu":
            raise ValueError(f"{path} has {src.head_input!r} heads; only relu -> crelu can be converted")
        src = with_crelu_heads(src)
    return src.state_dict()


def _arch_desc(arch: dict) -> str:
    return f"width {list(arch['width'])} / decoder {list(arch['dec'])}"


def excluded_faces(cfg) -> dict:
    """{name: reason} of the training faces never trained on (cfg exclude_faces: a JSON file such
    as training/configs/label_errors.json, whose "faces" maps names to why). A bank keeps their
    composites (composite k is tied to its face) and the batch stream skips them; direct
    synthesis leaves them out of the FaceBank."""
    p = cfg.get("exclude_faces")
    if not p:
        return {}
    p = Path(p) if Path(p).is_absolute() else REPO_ROOT / p
    return dict(json.loads(p.read_text())["faces"])


def _raw_batches(cfg, bank, dev, seed, start_batch=0):
    t = cfg["train"]
    bk = cfg.get("bank") or {}
    if bk.get("dir"):  # pre-rendered composites (+ cached teacher outputs), augmented per step
        from .bank import BankStream, real_photos
        excl, photos = excluded_faces(cfg), None
        if bk.get("p_photo"):  # the training faces' own photos mixed in (bank.p_photo of the slots)
            meta = json.loads((Path(bk["dir"]) / "meta.json").read_text())
            # the model at the bank's teacher path today: for a bank that cached the shipped ONNX
            # student's outputs, the shipped student now, not necessarily the one it cached
            tp = meta.get("teacher")
            tp = tp if not tp or Path(tp).is_absolute() else str(REPO_ROOT / tp)
            photos = real_photos(meta["data"], cfg["size"], tp, excl)
        yield from BankStream(bk["dir"], t["batch"], seed, bk.get("aug"), start_batch=start_batch,
                              max_shards=bk.get("max_shards"), exclude=excl,
                              photos=photos, p_photo=bk.get("p_photo", 0.0),
                              photo_recolour=bk.get("photo_recolour"), photo_aug=bk.get("photo_aug"),
                              hair_paste=bk.get("hair_paste"), hair_shadow=bk.get("hair_shadow"),
                              parts=bool(cfg["loss"].get("w_parts") or cfg["loss"].get("w_occluder")))
        return
    ds = TrainStream(bank, cfg["size"], cfg.get("synth", {}), seed)
    if t.get("fixed_batch"):
        b = [ds[i] for i in range(t["batch"])]
        batch = [torch.stack([x[j] for x in b]) for j in range(3)]
        while True:
            yield batch
    dl = loader(ds, t["batch"], t.get("workers", 0), drop_last=True, prefetch=t.get("prefetch", 4))
    yield from dl


def random_crop(batch, size: int, rng):
    """train.crop: one size x size window per sample, at the composites' own scale (no resize),
    the same window for every map of the sample (image, alpha, face, teacher outputs)."""
    S = batch[0].shape[-1]
    if size >= S:
        return batch
    B = batch[0].shape[0]
    ys, xs = rng.integers(0, S - size + 1, B), rng.integers(0, S - size + 1, B)
    return [None if t is None else torch.stack([t[i, :, y:y + size, x:x + size] for i, (y, x) in enumerate(zip(ys, xs))])
            for t in batch]


def _prep(batch, dev, fmt=torch.contiguous_format):
    img, alpha, face = batch[:3]
    x = normalize(img.to(dev, non_blocking=True)).contiguous(memory_format=fmt)
    return x, alpha.to(dev, non_blocking=True).float(), face.to(dev, non_blocking=True).float()


@torch.no_grad()
def quick_val(nets: dict, vbank, cfg, dev, n_faces=16):
    """Mean IoU / MSE over a small fixed validation subset (all types) for the log."""
    vs = ValSet(vbank, cfg["size"], cfg.get("synth", {}), cfg.get("val_seed", 777), n_faces=n_faces)
    dl = loader(vs, 32, min(4, cfg["train"].get("workers", 0)))
    res = {k: {"iou": [], "mse": []} for k in nets}
    for img, alpha, face, _ in dl:
        x = normalize(img.to(dev))
        gt = alpha.to(dev).float()
        for k, net in nets.items():
            was = net.training
            net.eval()
            with autocast(dev, cfg["train"].get("amp", True)):
                a = net(x)[0].float()
            net.train(was)
            p, g = a >= 0.5, gt >= 0.5
            inter = (p & g).sum((1, 2, 3)).float()
            uni = (p | g).sum((1, 2, 3)).float()
            res[k]["iou"] += torch.where(uni > 0, inter / uni.clamp(min=1), torch.ones_like(uni)).tolist()
            res[k]["mse"] += ((a - gt) ** 2).mean((1, 2, 3)).tolist()
    return {k: {m: float(np.mean(v)) for m, v in r.items()} for k, r in res.items()}


def train_teacher(cfg: dict, run_dir: Path, log: Logger, resume: bool = False):
    """`resume`: continue from run_dir/state.pt (written every train.ckpt_every_s seconds and at the
    end), same config; from a bank (bank.dir) also the same batch stream."""
    dev = device_of(cfg)
    seed_everything(cfg["seed"])
    set_cpu_threads(cfg["train"])
    tb, vb, desc = build_banks(cfg["data"], max(1, cfg["train"].get("workers", 0)), excluded_faces(cfg))
    (run_dir / "data.json").write_text(json.dumps(desc, indent=2))
    arch = {**TEACHER_ARCH, **cfg.get("arch", {})}
    net = build(arch).to(dev)
    log(f"teacher: {count_params(net)/1e6:.2f}M params, {count_macs(net.cpu(), cfg['size'], cfg['size'])/1e9:.2f} GMAC;"
        f" device {dev}; train faces {tb.n}, val faces {vb.n}")
    t = cfg["train"]
    fmt = memory_format(t)
    state_path = run_dir / "state.pt"
    ip = (cfg.get("init") or {}).get("teacher")  # optional warm start: continue a previous teacher
    if ip and not resume:
        net.load_state_dict(warm_start_state(ip, arch, cfg["data"]["root"], cfg["size"], log))
        log(f"teacher: initialised from {ip}")
    net.to(dev, memory_format=fmt).train()
    opt = torch.optim.AdamW(net.parameters(), lr=t["lr"], weight_decay=t.get("wd", 1e-4))
    hist = []
    step, seen, elapsed0 = 0, 0, 0.0
    if resume:
        st = torch.load(state_path, map_location="cpu")
        net.load_state_dict(st["nets"]["teacher"])
        opt.load_state_dict(st["opts"]["teacher"])
        step, seen, elapsed0, hist = st["step"], st["seen"], st["elapsed"], st["hist"]["teacher"]
        log(f"resumed from {state_path}: step {step}, {seen} samples, {elapsed0:.0f} s")
    clock = Clock(t.get("budget_s"), t.get("max_steps"))
    clock.t0 -= elapsed0
    ckpt_every = float(t.get("ckpt_every_s", 0) or 0)
    last_ckpt = time.time()
    fixed_eval = None

    def save_state(final=False):
        save_ckpt(run_dir / "teacher.pt", net, arch, cfg["size"], "teacher", cfg,
                  {"result": {"steps": step, "samples": seen, "wall_s": clock.elapsed()}})
        _train_state(state_path, step, seen, clock.elapsed(), {"teacher": hist}, {"teacher": net}, {"teacher": opt},
                     {"kind": "teacher", "final": final})

    for batch in _batches(cfg, tb, dev, cfg["seed"], start_batch=step):
        prog = clock.progress(step)
        if prog >= 1.0:
            break
        x, gt, _ = _prep(batch, dev, fmt)
        if t.get("fixed_batch") and fixed_eval is None:
            fixed_eval = (x, gt)
        for g in opt.param_groups:
            g["lr"] = lr_at(prog, t["lr"])
        with train_amp(dev, t):
            alpha, logvar = net(x)
        loss, parts = losses.teacher_loss(alpha.float(), logvar.float(), gt, cfg["loss"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), t.get("clip", 5.0))
        opt.step()
        step += 1
        seen += x.shape[0]
        hist.append(float(loss.detach()))
        if step % t.get("log_every", 50) == 0 or step == 1:
            log(f"[teacher] step {step} t={clock.elapsed():.0f}s lr={opt.param_groups[0]['lr']:.2e} "
                f"loss={float(loss):.4f} " + " ".join(f"{k}={float(v):.4f}" for k, v in parts.items())
                + f" | {seen/clock.elapsed():.0f} img/s")
        if ckpt_every and time.time() - last_ckpt >= ckpt_every:
            save_state()
            last_ckpt = time.time()
    save_state(final=True)
    result = {"steps": step, "samples": seen, "wall_s": clock.elapsed(), "loss_first": hist[:3], "loss_last": hist[-3:]}
    if fixed_eval is not None:
        result["fixed_batch_loss"] = hist
    save_ckpt(run_dir / "teacher.pt", net, arch, cfg["size"], "teacher", cfg, {"result": result})
    if not t.get("skip_val"):
        result["quick_val"] = quick_val({"teacher": net}, vb, cfg, dev, t.get("quick_val_faces", 16))
    log("teacher done: " + json.dumps(result))
    (run_dir / "result.json").write_text(json.dumps(result, indent=2))
    return result


def _train_state(path, step, seen, elapsed, hist, nets, opts, extra):
    """Everything a resumed run needs (train.ckpt_every_s and the end of a run write it)."""
    tmp = Path(str(path) + ".tmp")
    torch.save({"step": step, "seen": seen, "elapsed": elapsed, "hist": hist,
                "nets": {n: m.state_dict() for n, m in nets.items()},
                "opts": {n: o.state_dict() for n, o in opts.items()}, **extra}, tmp)
    tmp.replace(path)


def _bank_teacher(cfg):
    """The bank's meta.json when cfg bank.dir names a bank with cached teacher outputs."""
    bk = cfg.get("bank") or {}
    if not bk.get("dir"):
        return None
    from .utils import REPO_ROOT
    d = Path(bk["dir"])
    d = d if d.is_absolute() else REPO_ROOT / d
    cfg["bank"]["dir"] = str(d)
    mp = d / "meta.json"
    return json.loads(mp.read_text()) if mp.exists() else {}


def train_student(cfg: dict, run_dir: Path, log: Logger, teacher_ckpt: str | None, mode: str = "both",
                  resume: bool = False):
    """mode: 'weighted' (the FaceMat student), 'ablation' (w = 1), or 'both' (same batches, same
    initial weights, two optimisers, in one loop).

    With cfg bank.dir the batches come from a bank of pre-rendered composites (training/bank.py)
    and, when the bank holds them, the teacher's cached outputs (no teacher forward per step;
    teacher_ckpt may then be None). `resume`: continue from run_dir/state.pt (written every
    train.ckpt_every_s seconds and at the end), same config, same batch stream."""
    dev = device_of(cfg)
    seed_everything(cfg["seed"])
    keep_heap = set_cpu_threads(cfg["train"])
    t = cfg["train"]
    if keep_heap:
        log("malloc: one heap, no mmap per buffer, up to 1 GB of freed memory kept (train.malloc_keep_heap)")
    fmt = memory_format(t)
    bmeta = _bank_teacher(cfg)
    cached = bool(bmeta is not None and bmeta.get("teacher"))
    excl = excluded_faces(cfg)
    if bmeta is not None:  # the batch stream skips the excluded faces' composites
        tb, vb, desc = None, None, {"bank": cfg["bank"]["dir"], **bmeta.get("split", {}), "excluded": sorted(excl)}
    else:
        tb, vb, desc = build_banks(cfg["data"], max(1, t.get("workers", 0)), excl)
    if excl:
        log(f"data: {len(excl)} training faces left out (exclude_faces {cfg['exclude_faces']})")
    if bmeta is not None and cfg["bank"].get("p_photo"):
        log(f"bank: a share {cfg['bank']['p_photo']} of the batch slots are the training faces' own photos"
            " with their labels (bank.p_photo); recoloured: "
            f"{cfg['bank'].get('photo_recolour') or 'no'} (bank.photo_recolour); turned, zoomed out and degraded: "
            f"{cfg['bank'].get('photo_aug') or 'no'} (bank.photo_aug); another photo's hair laid over: "
            f"{cfg['bank'].get('hair_paste') or 'no'} (bank.hair_paste); the hair's shadow cast: "
            f"{cfg['bank'].get('hair_shadow') or 'no'} (bank.hair_shadow)")
    (run_dir / "data.json").write_text(json.dumps(desc, indent=2))
    teacher = None
    if teacher_ckpt and not cached:
        teacher = net_from_ckpt(load_ckpt(teacher_ckpt))
        teacher.to(dev, memory_format=fmt).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
    elif not cached:
        raise ValueError("a teacher checkpoint is needed (or a bank with cached teacher outputs)")
    tname = f"cached in the bank ({bmeta['teacher']})" if cached else teacher_ckpt
    arch = {**STUDENT_ARCH, **cfg.get("arch", {})}
    torch.manual_seed(cfg["seed"])
    base = build(arch)
    log(f"student: {count_params(base)/1e6:.3f}M params, {count_macs(base, cfg['size'], cfg['size'])/1e9:.3f} GMAC;"
        f" device {dev}; mode {mode}; teacher {tname}")
    names = {"weighted": ["student"], "ablation": ["ablation"], "both": ["student", "ablation"]}[mode]
    nets, opts = {}, {}
    # loss.w_parts: a parsing head per student on the alpha head's input, trained on the photos'
    # label groups and never saved with the student (training/parts.py)
    # loss.w_occluder: the ground-truth term weighted up along the photos' face-occluder borders
    # (parts.occluder_weight). Both read the photos' label groups, so both need photos in the batches.
    w_parts = float(cfg["loss"].get("w_parts", 0) or 0)
    w_occluder = float(cfg["loss"].get("w_occluder", 0) or 0)
    for opt, w in (("w_parts", w_parts), ("w_occluder", w_occluder)):
        if w and not (bmeta is not None and cfg["bank"].get("p_photo")):
            raise ValueError(f"loss.{opt} needs a bank with the training photos mixed in (bank.p_photo > 0)")
    parts_heads = {}
    if w_parts:
        from .parts import PartsHead, parts_loss
        parts_heads = {n: PartsHead(base.alpha_head.in_channels).to(dev, memory_format=fmt).train() for n in names}
        log(f"auxiliary parsing head on the training photos' label groups, weight {w_parts} (loss.w_parts)")

    if w_occluder:
        from .parts import occluder_weight
        log(f"ground truth weighted {1 + w_occluder:g}x along the photos' face-occluder borders (loss.w_occluder)")

    def new_opt(n, with_head=True):
        """The student's optimiser; its parsing head, when there is one, is a second group."""
        opt = torch.optim.AdamW(nets[n].parameters(), lr=t["lr"], weight_decay=t.get("wd", 1e-4))
        if parts_heads and with_head:
            opt.add_param_group({"params": list(parts_heads[n].parameters())})
        return opt
    for n in names:
        nets[n] = copy.deepcopy(base).to(dev, memory_format=fmt).train()
        opts[n] = new_opt(n)
    hist = {n: [] for n in names}
    step, seen, elapsed0 = 0, 0, 0.0
    state_path = run_dir / "state.pt"
    onnx_init = []
    fold = bool(t.get("fold_bn"))
    if fold:  # BatchNorm frozen into the convolutions (training/fold.py): after the warm start below
        from .fold import fold_bn, unfolded

        def refold(n):
            fold_bn(nets[n]).to(dev, memory_format=fmt).train()
            opts[n] = new_opt(n)
    nfrozen = int(t.get("freeze_prefix", 0) or 0)
    crop = int(t.get("crop", 0) or 0)
    if crop and crop % 32:
        raise ValueError(f"train.crop must be a multiple of 32 (the network's stride), not {crop}")
    if resume:
        st = torch.load(state_path, map_location="cpu")
        for n in names:
            if fold:
                refold(n)
            freeze_prefix(nets[n], nfrozen)
            nets[n].load_state_dict(st["nets"][n])
            saved_head = n in st.get("parts_heads", {})
            osd = st["opts"][n]
            if saved_head and not parts_heads:  # loss.w_parts set to 0 on resume: the head is dropped
                keep = set(osd["param_groups"][0]["params"])
                osd = {"state": {k: v for k, v in osd["state"].items() if k in keep},
                       "param_groups": osd["param_groups"][:1]}
                saved_head = False
                log(f"{n}: the parsing head in {state_path} is dropped (loss.w_parts 0 on resume)")
            if saved_head:
                parts_heads[n].load_state_dict(st["parts_heads"][n])
            opts[n] = new_opt(n, with_head=saved_head)
            opts[n].load_state_dict(osd)
            if parts_heads and not saved_head:  # loss.w_parts newly set on resume
                opts[n].add_param_group({"params": list(parts_heads[n].parameters())})
                log(f"{n}: no parsing head in {state_path}; it starts at zero (loss.w_parts set on resume)")
        step, seen, elapsed0, hist = st["step"], st["seen"], st["elapsed"], st["hist"]
        log(f"resumed from {state_path}: step {step}, {seen} samples, {elapsed0:.0f} s")
    else:
        for n in names:  # optional warm start (continue a previous run): cfg init.student / init.ablation
            ip = (cfg.get("init") or {}).get(n)
            if ip:
                nets[n].load_state_dict(warm_start_state(ip, arch, cfg["data"]["root"], cfg["size"], log))
                log(f"{n}: initialised from {ip}")
                if str(ip).endswith(".onnx") and not fold:
                    onnx_init.append(n)
            if fold:
                if not ip:
                    raise ValueError("train.fold_bn is for fine-tuning a trained student (init.*)")
                nets[n].eval()
                refold(n)
                log(f"{n}: BatchNorm folded into the convolutions (train.fold_bn)")
            if nfrozen:
                freeze_prefix(nets[n], nfrozen)
                log(f"{n}: first {nfrozen} encoder part(s) frozen (train.freeze_prefix)")
    clock = Clock(t.get("budget_s"), t.get("max_steps"))
    clock.t0 -= elapsed0
    ckpt_every = float(t.get("ckpt_every_s", 0) or 0)
    last_ckpt = time.time()
    t_data = t_teacher = t_step = 0.0

    def save_all(final=False):
        res = {"steps": step, "samples": seen, "wall_s": clock.elapsed(), "mode": mode}
        for n in names:
            save_ckpt(run_dir / f"{n}.pt", unfolded(nets[n]) if fold else nets[n], arch, cfg["size"], n, cfg,
                      {"teacher": str(tname), "weighted": n == "student", "result": res})
        _train_state(state_path, step, seen, clock.elapsed(), hist, nets, opts,
                     {"mode": mode, "teacher": teacher_ckpt, "final": final,
                      "parts_heads": {n: h.state_dict() for n, h in parts_heads.items()}})

    pool = None
    if t.get("parallel_students") and len(names) > 1 and dev.type == "cpu":
        # train.parallel_students: each student's step in its own thread with one intra-op thread
        # (the ops release the GIL): on this 2-core CPU one op on 2 OpenMP threads costs 1.6-2.5x
        # the CPU time of 1 thread (spin waits, small convolutions), so two 1-thread students
        # side by side get the most samples per CPU second. The arithmetic of train.threads=1
        # (up to float rounding).
        from concurrent.futures import ThreadPoolExecutor
        pool = ThreadPoolExecutor(len(names), initializer=torch.set_num_threads, initargs=(1,))
        log(f"students in {len(names)} threads side by side, 1 intra-op thread each (train.parallel_students)")
    it = iter(_batches(cfg, tb, dev, cfg["seed"] + 1, start_batch=step))
    tb0 = time.time()
    cpu0, seen0 = time.process_time(), seen
    for batch in it:
        t_data += time.time() - tb0
        prog = clock.progress(step)
        if prog >= 1.0:
            break
        if crop:
            batch = random_crop(batch, crop, np.random.default_rng([cfg["seed"], 13, step]))
        x, gt, _ = _prep(batch, dev, fmt)
        if onnx_init:  # BatchNorm statistics of an ONNX-read network, from the first batch
            from .onnx_weights import calibrate_bn
            for n in onnx_init:
                calibrate_bn(nets[n], [x]).train()
                log(f"{n}: BatchNorm statistics calibrated on the first batch (weights read from ONNX)")
            onnx_init = []
        t0 = time.time()
        if cached:
            ta, tlv = batch[3].to(dev), batch[4].to(dev)
        else:
            with torch.no_grad(), train_amp(dev, t):
                ta, tlv = teacher(x)
            ta, tlv = ta.float(), tlv.float()
        t1 = time.time()
        t_teacher += t1 - t0
        pixel_weight = occluder_weight(batch[5].to(dev), w_occluder) if w_occluder else None

        def student_step(n):
            for g in opts[n].param_groups:
                g["lr"] = lr_at(prog, t["lr"])
            with train_amp(dev, t):
                if parts_heads:
                    y = nets[n].features(x)
                    logits, lv = nets[n].heads(y)
                    a, pl = torch.sigmoid(logits), parts_heads[n](y)
                else:
                    a, lv = nets[n](x)
            loss, parts = losses.student_loss(a.float(), lv.float(), gt, ta, tlv, cfg["loss"], weighted=(n == "student"),
                                              pixel_weight=pixel_weight)
            if parts_heads:
                parts["parts"] = parts_loss(pl.float(), batch[5].to(dev))
                loss = loss + w_parts * parts["parts"]
            opts[n].zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(nets[n].parameters(), t.get("clip", 5.0))
            opts[n].step()
            return float(loss.detach()), {k: float(v) for k, v in parts.items()}

        if pool is not None:
            done = list(pool.map(student_step, names))
        else:
            done = [student_step(n) for n in names]
        msg = []
        for n, (lval, parts) in zip(names, done):
            hist[n].append(lval)
            msg.append(f"{n}: loss={lval:.4f} " + " ".join(f"{k}={v:.4f}" for k, v in parts.items()))
        t_step += time.time() - t1
        step += 1
        seen += x.shape[0]
        if step % t.get("log_every", 50) == 0 or step == 1:
            el = max(clock.elapsed() - elapsed0, 1e-6)
            log(f"[student] step {step} t={clock.elapsed():.0f}s lr={opts[names[0]].param_groups[0]['lr']:.2e} | "
                + " | ".join(msg) + f" | {seen/clock.elapsed():.1f} img/s"
                + f" (this session: data {t_data/el:.0%}, teacher {t_teacher/el:.0%}, student steps {t_step/el:.0%};"
                + f" {(time.process_time() - cpu0) / max(seen - seen0, 1) * 1000:.0f} CPU-ms/sample since the last log)")
            cpu0, seen0 = time.process_time(), seen
        if ckpt_every and time.time() - last_ckpt >= ckpt_every:
            save_all()
            last_ckpt = time.time()
        tb0 = time.time()
    if pool is not None:
        pool.shutdown()
    result = {"steps": step, "samples": seen, "wall_s": clock.elapsed(), "mode": mode,
              "loss_first": {n: h[:3] for n, h in hist.items()}, "loss_last": {n: h[-3:] for n, h in hist.items()}}
    if t.get("fixed_batch"):
        result["fixed_batch_loss"] = hist
    save_all(final=True)
    if fold:
        nets = {n: unfolded(m).to(dev) for n, m in nets.items()}
    if not t.get("skip_val"):
        if vb is None:
            _, vb, _ = build_banks({**cfg["data"], "max_train": 1}, 1)
        vnets = dict(nets)
        if teacher is not None:
            vnets["teacher"] = teacher
        result["quick_val"] = quick_val(vnets, vb, cfg, dev, t.get("quick_val_faces", 16))
    log("student done: " + json.dumps({k: v for k, v in result.items() if k != "fixed_batch_loss"}))
    (run_dir / "result.json").write_text(json.dumps(result, indent=2))
    return result


def cli(kind: str, argv=None):
    ap = argparse.ArgumentParser(description=f"train the FaceMat {kind}")
    ap.add_argument("--config", help="config file (not with --resume)")
    ap.add_argument("--set", action="append", default=[], help="override: key.sub=value (JSON value)")
    ap.add_argument("--run-dir", help="exact run folder (default: <runs>/<kind>-<time>)")
    ap.add_argument("--resume", help="continue the run in this folder from its state.pt (its config.json,"
                    " then any --set)")
    if kind == "student":
        ap.add_argument("--teacher", help="teacher checkpoint (.pt, or a shipped .onnx student); not needed"
                        " with a bank that caches the teacher's outputs (bank.dir)")
        g = ap.add_mutually_exclusive_group()
        g.add_argument("--ablation", action="store_true", help="train only the ablation (no uncertainty weighting)")
        g.add_argument("--weighted-only", action="store_true", help="train only the uncertainty-weighted student")
    a = ap.parse_args(argv)
    if a.resume:
        rd = Path(a.resume)
        rd = rd if rd.is_absolute() else REPO_ROOT / rd
        cfg = load_config(rd / "config.json", a.set)
        (rd / "config.json").write_text(json.dumps(cfg, indent=2))
        log = Logger(rd / "log.txt")
        log(f"resume {rd} (overrides: {a.set})")
        if kind == "teacher":
            return rd, train_teacher(cfg, rd, log, resume=True)
        st = torch.load(rd / "state.pt", map_location="cpu")
        return rd, train_student(cfg, rd, log, st.get("teacher"), st["mode"], resume=True)
    if not a.config:
        ap.error("--config is required")
    cfg = load_config(a.config, a.set)
    if a.run_dir:
        rd = Path(a.run_dir)
        rd = rd if rd.is_absolute() else REPO_ROOT / rd
        write_run_info(rd, cfg)
    else:
        rd = make_run_dir(cfg.get("runs_dir", "training/runs"), kind, cfg)
    log = Logger(rd / "log.txt")
    log(f"run folder: {rd}")
    if kind == "teacher":
        res = train_teacher(cfg, rd, log)
    else:
        mode = "ablation" if a.ablation else ("weighted" if a.weighted_only else cfg.get("mode", "both"))
        res = train_student(cfg, rd, log, a.teacher, mode)
    return rd, res
