"""An exactly equivalent copy of a FaceMatNet laid out for onnxruntime's fast CPU kernels.

Why: onnxruntime's CPU provider runs convolutions in its blocked "NCHWc" layout only when their
channel counts are multiples of the SIMD block (16 floats with AVX-512, 8 with AVX2). The student's
natural widths (24, 40, 12 channels, the 19-channel full-resolution concat, two 1-channel heads)
miss it, so those layers run on the slow generic path with layout reorders around them: on the
2-core AVX-512 machine these cost about half of the inference time.

What: every tensor gets its channels zero-padded up to a multiple of `block`. Real channels keep
their weights; padded channels get zero weights, zero bias and a BatchNorm that outputs 0
(gamma = beta = mean = 0, var = 1), so they stay exactly 0 through ReLU, residual adds, resizes,
concats and the global-context gate (sigmoid(0) * 0 = 0). The RGB skip of the last decoder block
is lifted into a padded tensor by an identity 1x1 convolution, and the alpha and log-variance heads
become one two-channel convolution. Outputs equal the original network's to float rounding.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn

from .model import LOGVAR_MAX, LOGVAR_MIN, DecoderBlock, FaceMatNet, InvertedResidual

DEFAULT_BLOCK = 16  # onnxruntime's NCHWc block with AVX-512; also a multiple of AVX2's 8


@dataclass(frozen=True)
class Layout:
    """Where a tensor's real channels sit in its padded form."""
    size: int
    index: tuple[int, ...]

    @staticmethod
    def dense(real: int, block: int) -> "Layout":
        return Layout(_round_up(real, block), tuple(range(real)))

    def concat(self, other: "Layout") -> "Layout":
        return Layout(self.size + other.size, self.index + tuple(self.size + i for i in other.index))


def _round_up(n: int, block: int) -> int:
    return -(-n // block) * block


def _pad_conv(conv: nn.Conv2d, lin: Layout, lout: Layout) -> nn.Conv2d:
    depthwise = conv.groups > 1
    if depthwise and not (conv.groups == conv.in_channels == conv.out_channels):
        raise ValueError("only plain and depthwise convolutions can be padded")
    if depthwise and lin != lout:
        raise ValueError("a depthwise convolution keeps its input layout")
    new = nn.Conv2d(lin.size, lout.size, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                    groups=lin.size if depthwise else 1, bias=conv.bias is not None)
    out_idx = torch.tensor(lout.index)
    with torch.no_grad():
        new.weight.zero_()
        if depthwise:
            new.weight[out_idx] = conv.weight
        else:
            new.weight[out_idx[:, None], torch.tensor(lin.index)[None, :]] = conv.weight
        if conv.bias is not None:
            new.bias.zero_()
            new.bias[out_idx] = conv.bias
    return new


def _pad_bn(bn: nn.BatchNorm2d, lout: Layout) -> nn.BatchNorm2d:
    new = nn.BatchNorm2d(lout.size, eps=bn.eps)
    idx = torch.tensor(lout.index)
    with torch.no_grad():
        new.weight.zero_()
        new.bias.zero_()
        new.running_mean.zero_()
        new.running_var.fill_(1.0)
        new.weight[idx] = bn.weight
        new.bias[idx] = bn.bias
        new.running_mean[idx] = bn.running_mean
        new.running_var[idx] = bn.running_var
    return new


def _pad_cbr(seq: nn.Sequential, lin: Layout, block: int) -> tuple[nn.Sequential, Layout]:
    """A conv-BN(-ReLU) block from model._cbr."""
    conv, bn = seq[0], seq[1]
    lout = lin if conv.groups > 1 else Layout.dense(conv.out_channels, block)
    layers = [_pad_conv(conv, lin, lout), _pad_bn(bn, lout)] + [copy.deepcopy(m) for m in seq[2:]]
    return nn.Sequential(*layers), lout


def _pad_chain(seq: nn.Sequential, lin: Layout, block: int) -> tuple[nn.Sequential, Layout]:
    out = []
    for cbr in seq:
        cbr, lin = _pad_cbr(cbr, lin, block)
        out.append(cbr)
    return nn.Sequential(*out), lin


def _pad_residual(ir: InvertedResidual, lin: Layout, block: int) -> tuple[InvertedResidual, Layout]:
    new = copy.deepcopy(ir)
    new.body, lout = _pad_chain(ir.body, lin, block)
    if new.use_res and lout != lin:
        raise ValueError("a residual block must keep its layout")
    return new, lout


def _pad_decoder(dec: DecoderBlock, lx: Layout, lskip: Layout, block: int) -> tuple[DecoderBlock, Layout]:
    new = copy.deepcopy(dec)
    new.body, lout = _pad_chain(dec.body, lx.concat(lskip), block)
    return new, lout


class NchwcFaceMatNet(FaceMatNet):
    """FaceMatNet's forward over padded layers; same inputs, same (alpha, logvar) outputs."""

    def __init__(self, net: FaceMatNet, block: int = DEFAULT_BLOCK):
        nn.Module.__init__(self)  # the layers are built from `net`'s, not from an architecture
        if not net.has_logvar:
            raise ValueError("the padded layout is built for a network with a log-variance head")
        # crelu heads: the last decoder layer itself computes both halves (see _crelu_in_last_layer),
        # so this network's heads read its output as it is
        self.config, self.has_logvar, self.head_input = dict(net.config), True, "relu"
        rgb = Layout(3, (0, 1, 2))
        self.rgb_lift = _identity_lift(rgb, block)
        self.stem, l2 = _pad_stem(net.stem, rgb, block)
        self.stages = nn.ModuleList()
        skips, lin = [l2], l2
        for stage in net.stages:
            blocks = []
            for ir in stage:
                ir, lin = _pad_residual(ir, lin, block)
                blocks.append(ir)
            self.stages.append(nn.Sequential(*blocks))
            skips.append(lin)
        l2, l4, l8, l16, l32 = skips
        self.ctx_conv, lctx = _pad_cbr(net.ctx_conv, l32, block)
        self.ctx_gate = _pad_conv(net.ctx_gate, l32, lctx)
        self.dec16, ly = _pad_decoder(net.dec16, lctx, l16, block)
        self.dec8, ly = _pad_decoder(net.dec8, ly, l8, block)
        self.dec4, ly = _pad_decoder(net.dec4, ly, l4, block)
        self.dec2, ly = _pad_decoder(net.dec2, ly, l2, block)
        dec1 = _crelu_in_last_layer(net.dec1) if net.head_input == "crelu" else net.dec1
        self.dec1, ly = _pad_decoder(dec1, ly, Layout.dense(3, block), block)
        self.merged_heads = _merge_heads(net.alpha_head, net.logvar_head, ly)

    def rgb_skip(self, x):
        return self.rgb_lift(x)

    def heads(self, y):
        both = self.merged_heads(y)
        return both[:, 0:1], torch.clamp(both[:, 1:2], LOGVAR_MIN, LOGVAR_MAX)


def _pad_stem(stem: nn.Sequential, rgb: Layout, block: int) -> tuple[nn.Sequential, Layout]:
    # The first convolution reads the unpadded image (onnxruntime has a fast path for that).
    first, l2 = _pad_cbr(stem[0], rgb, block)
    ir, l2 = _pad_residual(stem[1], l2, block)
    return nn.Sequential(first, ir), l2


def _crelu_in_last_layer(dec: DecoderBlock) -> DecoderBlock:
    """A copy of the last decoder block whose final conv-BN outputs [z, -z] followed by a ReLU, i.e.
    the crelu heads' input [relu(z), relu(-z)] in one fused Conv+Relu. Measured here: the literal
    Neg, Relu and Concat at full resolution made the whole inference about 1.45x slower; this
    costs one wider pointwise convolution instead."""
    new = copy.deepcopy(dec)
    conv, bn = dec.body[-1][0], dec.body[-1][1]
    wide = nn.Conv2d(conv.in_channels, 2 * conv.out_channels, 1, bias=False)
    wbn = nn.BatchNorm2d(2 * conv.out_channels, eps=bn.eps)
    with torch.no_grad():
        wide.weight.copy_(torch.cat([conv.weight, conv.weight]))
        # -BN(u) is BN(u) with gamma and beta negated
        wbn.weight.copy_(torch.cat([bn.weight, -bn.weight]))
        wbn.bias.copy_(torch.cat([bn.bias, -bn.bias]))
        wbn.running_mean.copy_(torch.cat([bn.running_mean, bn.running_mean]))
        wbn.running_var.copy_(torch.cat([bn.running_var, bn.running_var]))
    new.body[-1] = nn.Sequential(wide, wbn, nn.ReLU(inplace=True))
    return new


def _merge_heads(alpha_head: nn.Conv2d, logvar_head: nn.Conv2d, lin: Layout) -> nn.Conv2d:
    both = nn.Conv2d(alpha_head.in_channels, 2, alpha_head.kernel_size, alpha_head.stride, alpha_head.padding)
    with torch.no_grad():
        both.weight.copy_(torch.cat([alpha_head.weight, logvar_head.weight]))
        both.bias.copy_(torch.cat([alpha_head.bias, logvar_head.bias]))
    # Two output channels, not padded: measured faster than a 16-channel blocked output here.
    return _pad_conv(both, lin, Layout(2, (0, 1)))


def _identity_lift(rgb: Layout, block: int) -> nn.Conv2d:
    """A 1x1 convolution that copies the image into the first channels of a padded tensor (a Pad
    node would do the same, but onnxruntime then reorders the full-resolution concat)."""
    lout = Layout.dense(rgb.size, block)
    lift = nn.Conv2d(rgb.size, lout.size, 1, bias=False)
    with torch.no_grad():
        lift.weight.zero_()
        for c in range(rgb.size):
            lift.weight[c, c] = 1.0
    return lift
