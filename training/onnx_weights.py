"""Read a shipped student back from its ONNX file into a trainable FaceMatNet.

The shipped graph (export.py) is the channel-padded copy of the network (cpu_layout.py) with every
BatchNorm folded into the convolution before it, so it carries no BatchNorm parameters of its own.
This module rebuilds the plain student from it:

  * where the real channels sit inside each padded convolution is found by building the padded
    copy of a network whose weights are all distinct numbers and looking each number up;
  * each folded convolution becomes conv (weight W) + BatchNorm that adds the folded bias b
    (gamma 1, beta b, mean 0, var 1 - eps), so in eval mode the network computes the ONNX graph's
    function exactly (to float rounding);
  * `calibrate_bn` then moves each BatchNorm's statistics to the batch statistics of real inputs
    while keeping the eval-mode function unchanged (gamma = sqrt(var + eps), beta = mean + b), so
    that training (train-mode BatchNorm) starts from nearly the same function.

  /usr/bin/python3 -m training.onnx_weights models/facemat-student.onnx --out .data/ft/student-0.4.0.pt

`train.load_ckpt` calls `ckpt_from_onnx` for a path ending in .onnx, so the shipped model can be
given wherever a checkpoint is read (init.student, --teacher, evaluate --student, ...).
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .cpu_layout import NchwcFaceMatNet
from .model import STUDENT_ARCH, build


def _onnx_convs(path) -> dict:
    """{module path of the padded network: (weight, bias)} for every Conv node of the graph."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(str(path))
    inits = {i.name: np.array(numpy_helper.to_array(i)) for i in m.graph.initializer}
    out = {}
    for n in m.graph.node:
        if n.op_type != "Conv":
            continue
        mm = re.match(r"^/net/(.*)/Conv$", n.name)
        if not mm:
            raise ValueError(f"unexpected Conv node name {n.name!r} (not a training/export.py graph?)")
        # scope names are relative: stages.0/stages.0.0/body/body.0/body.0.0 -> stages.0.0.body.0.0
        segs = []
        for p in mm.group(1).split("/"):
            if segs and p.startswith(segs[-1] + "."):
                segs[-1] = p
            else:
                segs.append(p)
        name = ".".join(segs)
        w = inits[n.input[1]]
        b = inits[n.input[2]] if len(n.input) > 2 else None
        out[name] = (w, b)
    return out


def _id_network(arch: dict, head_phases: int, split_decoders: bool):
    """The plain network with a distinct id for every conv weight, and its padded copy (in the
    layout of the graph being read) whose conv weights hold those ids where the plain weights went.
    Its BatchNorms scale by exactly 1 (gamma 1, var 1, eps 0), so ids the padded copy folds a
    BatchNorm scale into (SplitDecoderBlock's pw_s) stay exact."""
    plain = build(arch).eval()
    off = 2.0  # not 1: the identity lift of the image (older graphs) holds 1s of its own
    with torch.no_grad():
        for mod in plain.modules():
            if isinstance(mod, nn.Conv2d):
                n = mod.weight.numel()
                mod.weight.copy_(torch.arange(off, off + n, dtype=torch.float64).reshape(mod.weight.shape))
                off += n
            if isinstance(mod, nn.BatchNorm2d):
                mod.eps = 0.0
    assert off < 2 ** 24, "ids must be exact in float32"
    return plain, NchwcFaceMatNet(plain, head_phases=head_phases, split_decoders=split_decoders)


def _id_locations(padded: nn.Module) -> dict[int, tuple[str, int]]:
    """{id: (padded conv's module path, flat index into its weight)}, where the id first occurs. Ids
    held twice: the heads' phases hold each head weight once per phase, and crelu heads' last
    decoder conv holds each weight for z and again (its BatchNorm negated) for -z."""
    where = {}
    for name, mod in padded.named_modules():
        if isinstance(mod, nn.Conv2d):
            flat = mod.weight.detach().reshape(-1)
            for i in torch.nonzero(flat).squeeze(1).tolist():
                where.setdefault(int(flat[i]), (name, i))
    return where


ARCH_KEY = "facemat.arch"  # the ONNX metadata entry export.py writes: the network's build() arguments


def onnx_arch(path) -> dict:
    """The architecture recorded in the ONNX file's metadata; STUDENT_ARCH for files exported
    before it was recorded (0.4.0 and older, all of that architecture)."""
    import json

    import onnx
    props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    return json.loads(props[ARCH_KEY]) if ARCH_KEY in props else dict(STUDENT_ARCH)


def student_from_onnx(path, arch: dict | None = None) -> nn.Module:
    """The plain (unpadded) network with the ONNX graph's weights, in eval mode."""
    arch = dict(arch or onnx_arch(path))
    convs = _onnx_convs(path)
    # the layout the graph was exported in: up to 0.8.0 one two-channel head convolution
    # ("merged_heads") and concatenating decoders; since 0.8.1 PhaseHeads and SplitDecoderBlocks
    head_w = convs["merged_heads"][0] if "merged_heads" in convs else convs["merged_heads.conv"][0]
    split = "dec1.pw_s" in convs
    plain, padded = _id_network(arch, head_w.shape[0] // 2, split)
    for name, mod in padded.named_modules():
        if isinstance(mod, nn.Conv2d):
            onnx_name = "merged_heads" if name == "merged_heads.conv" and "merged_heads" in convs else name
            if onnx_name not in convs:
                raise KeyError(f"{path}: no Conv for {name} (other architecture?)")
            if tuple(convs[onnx_name][0].shape) != tuple(mod.weight.shape):
                raise ValueError(f"{name}: ONNX weight {convs[onnx_name][0].shape} vs padded {tuple(mod.weight.shape)}: other architecture?")
            convs[name] = convs[onnx_name]
    where = _id_locations(padded)
    row_size = {n: m.weight[0].numel() for n, m in padded.named_modules() if isinstance(m, nn.Conv2d)}
    net = build(arch).eval()
    nmods = dict(net.named_modules())
    done = set()
    with torch.no_grad():
        for name, mod in plain.named_modules():
            if not isinstance(mod, nn.Conv2d):
                continue
            located = [where[int(v)] for v in mod.weight.detach().reshape(-1).tolist()]
            values = [convs[n][0].reshape(-1)[i] for n, i in located]
            tgt = nmods[name]
            tgt.weight.copy_(torch.tensor(np.array(values, dtype=np.float32)).reshape(mod.weight.shape))
            # each output channel's bias (the conv's own, or its folded BatchNorm's) sits with the
            # padded row that holds the channel's first weight
            per_out = mod.weight[0].numel()
            bias = []
            for j in range(mod.weight.shape[0]):
                n, i = located[j * per_out]
                b = convs[n][1]
                if b is None:
                    raise ValueError(f"{path}: {name} output {j} lies in {n}, which has no bias")
                bias.append(float(b[i // row_size[n]]))
            bias = torch.tensor(bias)
            if tgt.bias is not None:
                tgt.bias.copy_(bias)
            else:  # a folded conv + BN: the BN that follows it adds the folded bias
                bn_name = name.rsplit(".", 1)[0] + ".1"
                bn = nmods[bn_name]
                assert isinstance(bn, nn.BatchNorm2d), bn_name
                bn.weight.fill_(1.0)
                bn.bias.copy_(bias)
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
                done.add(bn_name)
            done.add(name)
    missing = [n for n, m in nmods.items() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d)) and n not in done]
    if missing:
        raise ValueError(f"layers not read from {path}: {missing[:5]}")
    return net


def ckpt_from_onnx(path, size: int = 256) -> dict:
    """A checkpoint dict (as train.save_ckpt writes) for a shipped ONNX student."""
    net = student_from_onnx(path)
    sd = {k: v.detach().float() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    return {"arch": dict(net.config), "state_dict": sd, "size": size, "kind": "student",
            "config": {}, "source": str(path), "bn_calibrated": False}


@torch.no_grad()
def calibrate_bn(net: nn.Module, batches) -> nn.Module:
    """Give each BatchNorm the mean / variance of its input over `batches` (normalised image
    tensors) while keeping the eval-mode function: y = x - m + m + b with gamma = sqrt(v + eps),
    beta = old eval output at x = m. Then train-mode BatchNorm (batch statistics) computes nearly
    what eval mode does. Works for any network; returns it in eval mode."""
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    acc = {id(m): [0.0, None, None] for m in bns}

    def hook(mod, inp, _out):
        x = inp[0].detach().float()
        a = acc[id(mod)]
        s = x.sum((0, 2, 3)).double()
        s2 = (x * x).sum((0, 2, 3)).double()
        n = x.numel() / x.shape[1]
        a[0] += n
        a[1] = s if a[1] is None else a[1] + s
        a[2] = s2 if a[2] is None else a[2] + s2

    hs = [m.register_forward_hook(hook) for m in bns]
    net.eval()
    for x in batches:
        net(x)
    for h in hs:
        h.remove()
    for m in bns:
        n, s, s2 = acc[id(m)]
        mean = (s / n).float()
        var = (s2 / n - (s / n) ** 2).clamp(min=1e-5).float()
        # eval output now: gamma * (x - mu) / sqrt(var0 + eps) + beta = A x + B
        A = m.weight / torch.sqrt(m.running_var + m.eps)
        B = m.bias - A * m.running_mean
        # new: gamma' (x - mean) / sqrt(var + eps) + beta' with the same A, B
        m.weight.copy_(A * torch.sqrt(var + m.eps))
        m.bias.copy_(A * mean + B)
        m.running_mean.copy_(mean)
        m.running_var.copy_(var)
    return net


def main(argv=None):
    ap = argparse.ArgumentParser(description="shipped ONNX student -> training checkpoint (.pt)")
    ap.add_argument("onnx")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    ck = ckpt_from_onnx(a.onnx)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(ck, a.out)
    print(f"wrote {a.out} from {a.onnx}")


if __name__ == "__main__":
    main()
