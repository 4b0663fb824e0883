"""A trained student widened (or deepened) into a larger architecture that computes exactly the
same function.

Why: the student underfits (on real photos its training faces score about as low as its unseen
ones) and it runs in 6-9 ms of its 12 ms budget, so it can afford more channels; but the CPU can
train only tens of thousands of samples per session, too few to train a wider network from
scratch. Widening keeps everything the shipped student learned and adds channels that training
then puts to use (Net2Net's idea, with zero instead of copied weights).

How: the wide network is built with fresh random weights; each convolution's old weights are copied
to the old channels' positions (cpu_layout.Layout tracks where they sit, through residual adds and
the decoder's concatenations), and the weights from every new input channel to every old output
channel are set to zero. So the old channels never see the new ones and every output is the old
network's; the new channels compute random features from the start, and the zero weights that
would read them get gradients at the first step. Each new channel's BatchNorm is then given the
mean and variance of its input on real training photos (gamma 1, beta 0), so the new features
start normalised, also when training folds BatchNorm into the convolutions (train.fold_bn).

Deepening (`deepen`): a decoder with one depthwise-separable convolution per block (dec_convs 1)
gets a second one in each block from /16 to /2 (dec_convs 2, what the outline's capacity costs
least at inference: 1.02x, training/README.md). The new convolutions start as the identity (a
Dirac depthwise kernel, an identity pointwise matrix, BatchNorm that passes its input through);
they read the block's output, which is already past a ReLU and so non-negative, so the ReLUs
after them change nothing either. Every weight of theirs gets a gradient at the first step.

Training widens and deepens by itself: a run whose arch (width, dec) is wider, or whose
arch.dec_convs is 2 where its init.student / init.ablation checkpoint has 1, starts from the grown
checkpoint (train.warm_start_state). Widening by hand:
  /usr/bin/python3 -m training.widen --ckpt models/facemat-student.onnx \\
      --width 16,32,48,64,96 --dec 64,48,32,24,16 --out training/runs/wide/init.pt
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .cpu_layout import Layout
from .model import DecoderBlock, FaceMatNet, InvertedResidual, build

def _copy_conv(old: nn.Conv2d, new: nn.Conv2d, lin: Layout, lout: Layout) -> None:
    out_idx = torch.tensor(lout.index)
    with torch.no_grad():
        if old.groups > 1:  # depthwise: channel c reads only input c
            new.weight[out_idx] = old.weight
        else:
            fresh_in = torch.ones(new.in_channels, dtype=torch.bool)
            fresh_in[list(lin.index)] = False
            new.weight[out_idx[:, None], fresh_in.nonzero()[:, 0][None, :]] = 0.0
            new.weight[out_idx[:, None], torch.tensor(lin.index)[None, :]] = old.weight
        if old.bias is not None:
            new.bias[out_idx] = old.bias


def _copy_bn(old: nn.BatchNorm2d, new: nn.BatchNorm2d, lout: Layout) -> None:
    idx = torch.tensor(lout.index)
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(new, name)[idx] = getattr(old, name)
    new.widen_old = idx  # read by _normalise_new_channels, removed there


def _cbr(old: nn.Sequential, new: nn.Sequential, lin: Layout) -> Layout:
    oc, nc = old[0], new[0]
    lout = lin if oc.groups > 1 else Layout(nc.out_channels, tuple(range(oc.out_channels)))
    _copy_conv(oc, nc, lin, lout)
    _copy_bn(old[1], new[1], lout)
    return lout


def _chain(old: nn.Sequential, new: nn.Sequential, lin: Layout) -> Layout:
    for o, n in zip(old, new):
        lin = _cbr(o, n, lin)
    return lin


def _residual(old: InvertedResidual, new: InvertedResidual, lin: Layout) -> Layout:
    if old.use_res != new.use_res:
        raise ValueError("widening must keep every residual connection")
    lout = _chain(old.body, new.body, lin)
    if new.use_res and lout != lin:
        raise ValueError("a residual block must keep its layout")
    return lout


def _decoder(old: DecoderBlock, new: DecoderBlock, lx: Layout, lskip: Layout) -> Layout:
    return _chain(old.body, new.body, lx.concat(lskip))


def widen(src: FaceMatNet, width, dec, seed: int = 0) -> FaceMatNet:
    """A network of src's design with channel counts (width, dec), each >= src's, computing src's
    function exactly (new channels' BatchNorm not yet normalised: see normalise_new_channels)."""
    cfg = dict(src.config)
    if any(w < v for w, v in zip(width, cfg["width"])) or any(d < v for d, v in zip(dec, cfg["dec"])):
        raise ValueError(f"can only widen: {cfg['width']}/{cfg['dec']} -> {list(width)}/{list(dec)}")
    if cfg["head_input"] != "relu":
        raise ValueError("widening is implemented for relu heads")
    torch.manual_seed(seed)
    wide = build(dict(cfg, width=list(width), dec=list(dec)))
    rgb = Layout(3, (0, 1, 2))
    l2 = _cbr(src.stem[0], wide.stem[0], rgb)
    l2 = _residual(src.stem[1], wide.stem[1], l2)
    skips, lin = [l2], l2
    for so, sn in zip(src.stages, wide.stages):
        for bo, bn in zip(so, sn):
            lin = _residual(bo, bn, lin)
        skips.append(lin)
    l2, l4, l8, l16, l32 = skips
    lctx = _cbr(src.ctx_conv, wide.ctx_conv, l32)
    _copy_conv(src.ctx_gate, wide.ctx_gate, l32, lctx)
    ly = _decoder(src.dec16, wide.dec16, lctx, l16)
    ly = _decoder(src.dec8, wide.dec8, ly, l8)
    ly = _decoder(src.dec4, wide.dec4, ly, l4)
    ly = _decoder(src.dec2, wide.dec2, ly, l2)
    ly = _decoder(src.dec1, wide.dec1, ly, rgb)
    one = Layout(1, (0,))
    _copy_conv(src.alpha_head, wide.alpha_head, ly, one)
    if src.has_logvar:
        _copy_conv(src.logvar_head, wide.logvar_head, ly, one)
    return wide


def deepen(src: FaceMatNet, dec_convs: int) -> FaceMatNet:
    """src (dec_convs 1) with dec_convs 2: a second depthwise-separable convolution in each of the
    decoder blocks dec16..dec2, initialised as the identity, so the function is src's exactly in
    eval mode (and folded; in train mode the new BatchNorms use batch statistics). Returns the
    new network in eval mode."""
    cfg = dict(src.config)
    if (cfg["dec_convs"], dec_convs) != (1, 2):
        raise ValueError(f"can only deepen the decoder from 1 to 2 convolutions per block, not {cfg['dec_convs']} -> {dec_convs}")
    deep = build(dict(cfg, dec_convs=dec_convs))
    missing, unexpected = deep.load_state_dict(src.state_dict(), strict=False)
    if unexpected:
        raise ValueError(f"deepen: unexpected weights {unexpected[:3]}")
    new_prefixes = {k.rsplit(".", 1)[0] for k in missing}  # e.g. dec16.body.2.0 (its conv)
    eps = next(m for m in deep.modules() if isinstance(m, nn.BatchNorm2d)).eps
    with torch.no_grad():
        for name in (f"dec{s}" for s in (16, 8, 4, 2)):
            body = getattr(deep, name).body
            dw, pw = body[2], body[3]
            if not {f"{name}.body.2.0", f"{name}.body.3.0"} <= new_prefixes:
                raise ValueError(f"deepen: {name} has no new convolutions")
            dw[0].weight.zero_()
            dw[0].weight[:, 0, 1, 1] = 1.0
            pw[0].weight.copy_(torch.eye(pw[0].out_channels)[:, :, None, None])
            for bn in (dw[1], pw[1]):
                bn.weight.fill_(1.0)
                bn.bias.zero_()
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - eps)  # (x - 0) / sqrt(var + eps) = x
    return deep.eval()


@torch.no_grad()
def normalise_new_channels(wide: FaceMatNet, x: torch.Tensor) -> FaceMatNet:
    """Give each new channel's BatchNorm its input's mean and variance over the images x (a
    normalised batch), layer by layer in one forward pass, so that in eval mode (and folded) the
    new features are standardised as a trained BatchNorm would make them. Old channels keep their
    statistics, so the function is unchanged. (New channels' gamma and beta are build()'s 1 and 0.)
    Returns wide in eval mode."""
    hooks = []

    def pre(mod, inp):
        fresh = torch.ones(mod.num_features, dtype=torch.bool)
        fresh[mod.widen_old] = False
        v = inp[0].float()
        mean, var = v.mean((0, 2, 3)), v.var((0, 2, 3), unbiased=False)
        mod.running_mean[fresh] = mean[fresh]
        mod.running_var[fresh] = var[fresh].clamp(min=1e-5)

    for m in wide.modules():
        if isinstance(m, nn.BatchNorm2d) and hasattr(m, "widen_old"):
            hooks.append(m.register_forward_pre_hook(pre))
    wide.eval()
    wide(x)
    for h in hooks:
        h.remove()
    for m in wide.modules():
        if hasattr(m, "widen_old"):
            del m.widen_old
    return wide


def training_photos(n: int, size: int, data_root=None) -> torch.Tensor:
    """n training-split photos (never validation ones), normalised, as one batch."""
    from .data import list_samples, load_image, split
    from .dataset import normalize
    from .utils import resolve_data_root
    tr, _va = split(list_samples(resolve_data_root(data_root or "../shared/data/celebamask-hq-1k")), 0.15, 1234)
    imgs = np.stack([load_image(s, size) for s in tr[:n]])
    return normalize(torch.from_numpy(np.ascontiguousarray(imgs.transpose(0, 3, 1, 2))))


def _ints(s: str) -> list[int]:
    return [int(v) for v in s.split(",")]


def main(argv=None):
    from .train import load_ckpt, net_from_ckpt, save_ckpt
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="student checkpoint (.pt, or the shipped .onnx)")
    ap.add_argument("--width", required=True, type=_ints, help="encoder channels, 5 comma-separated")
    ap.add_argument("--dec", required=True, type=_ints, help="decoder channels, 5 comma-separated")
    ap.add_argument("--photos", type=int, default=32, help="training photos for the new BatchNorm statistics")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    ck = load_ckpt(a.ckpt)
    src = net_from_ckpt(ck).eval()
    size = int(ck.get("size", 256))
    x = training_photos(a.photos, size, a.data_root)
    wide = normalise_new_channels(widen(src, a.width, a.dec, a.seed), x)
    with torch.no_grad():
        err = float((wide(x)[0] - src(x)[0]).abs().max())
    if err > 1e-4:
        raise SystemExit(f"widened network differs from the source by {err:g} in alpha")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    save_ckpt(a.out, wide, wide.config, size, ck.get("kind", "student"), ck.get("config", {}),
              {"widened_from": str(a.ckpt)})
    print(f"{a.out}: {src.config['width']}/{src.config['dec']} -> {a.width}/{a.dec}, "
          f"max |delta alpha| {err:.2g} on {len(x)} training photos")


if __name__ == "__main__":
    main()
