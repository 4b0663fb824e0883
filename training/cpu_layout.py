"""An exactly equivalent copy of a FaceMatNet laid out for onnxruntime's fast CPU kernels.

Why: onnxruntime's CPU provider runs convolutions in its blocked "NCHWc" layout only when their
channel counts are multiples of the SIMD block (16 floats with AVX-512, 8 with AVX2). The student's
natural widths (24, 40, 12 channels, the 19-channel full-resolution concat, two 1-channel heads)
miss it, so those layers run on the slow generic path with layout reorders around them: on the
2-core AVX-512 machine these cost about half of the inference time.

What: every tensor gets its channels zero-padded up to a multiple of `block`. Real channels keep
their weights; padded channels get zero weights, zero bias and a BatchNorm that outputs 0
(gamma = beta = mean = 0, var = 1), so they stay exactly 0 through ReLU, residual adds, resizes,
concats and the global-context gate (sigmoid(0) * 0 = 0). Two more rewrites since 0.8.1, for
where onnxruntime's profiler found the time: each decoder block sums two convolutions instead of
concatenating their inputs (SplitDecoderBlock; the last one reads the image's 3 channels as they
are), and the alpha and log-variance heads become one convolution that fills a whole block
(PhaseHeads). split_decoders=False and head_phases=1 give the layout of 0.5.0 to 0.8.0 (the
image lifted into a padded tensor by an identity 1x1 convolution, the heads one two-channel
convolution), which onnx_weights.py still reads. Outputs equal the original network's to float
rounding.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import LOGVAR_MAX, LOGVAR_MIN, DecoderBlock, FaceMatNet, InvertedResidual

DEFAULT_BLOCK = 16  # onnxruntime's NCHWc block with AVX-512; also a multiple of AVX2's 8
HEAD_PHASES = 8  # PhaseHeads: 2 heads x 8 phases fill one AVX-512 block (two AVX2 blocks)


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


class SplitDecoderBlock(nn.Module):
    """A padded DecoderBlock computed without its concatenation.

    Why: the block concatenates the upsampled input and the skip, then runs a depthwise conv (+BN,
    ReLU) and a pointwise conv (+BN). Both act on the two parts separately: the depthwise one per
    channel, the pointwise one as a sum over input channels. So the block is computed as
    pw_x(dw_x(up(x))) + pw_s(dw_s(skip)), and onnxruntime adds the second term inside the first
    convolution (its fused "Sum" input) instead of writing and reading the concatenated tensor: at
    full resolution that concat alone took 0.34 of 5.5 ms. The last decoder block reads the image
    itself as its skip (3 channels), so the identity lift of the image to 16 channels goes too.
    The pointwise BatchNorm is folded here into pw_s's weights (its shift into pw_x's bias, folded
    by the exporter), so the sum needs no BatchNorm after it.
    """

    def __init__(self, padded: DecoderBlock, lx: Layout, skip_index: tuple[int, ...]):
        super().__init__()
        dw, pw = padded.body[0], padded.body[1]
        xi, si = torch.arange(lx.size), torch.tensor([lx.size + i for i in skip_index])
        self.dw_x, self.dw_s = _depthwise_part(dw, xi), _depthwise_part(dw, si)
        conv, bn = pw[0], pw[1]
        self.pw_x = nn.Sequential(_pointwise_part(conv, xi), copy.deepcopy(bn))
        self.pw_s = _pointwise_part(conv, si, bn.weight / torch.sqrt(bn.running_var + bn.eps))
        self.act = len(pw) > 2
        self.rest = padded.body[2:]

    def forward(self, x, skip):
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        y = self.pw_x(self.dw_x(x)) + self.pw_s(self.dw_s(skip))
        return self.rest(F.relu(y) if self.act else y)


def _depthwise_part(cbr: nn.Sequential, channels: torch.Tensor) -> nn.Sequential:
    """The depthwise conv-BN-ReLU on a subset of its channels."""
    conv, bn = cbr[0], cbr[1]
    n = len(channels)
    part = nn.Conv2d(n, n, conv.kernel_size, conv.stride, conv.padding, conv.dilation, groups=n, bias=False)
    pbn = nn.BatchNorm2d(n, eps=bn.eps)
    with torch.no_grad():
        part.weight.copy_(conv.weight[channels])
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(pbn, name).copy_(getattr(bn, name)[channels])
    return nn.Sequential(part, pbn, *[copy.deepcopy(m) for m in cbr[2:]])


def _pointwise_part(conv: nn.Conv2d, channels: torch.Tensor, scale: torch.Tensor | None = None) -> nn.Conv2d:
    """The pointwise conv's weights on a subset of its input channels, optionally scaled per output."""
    part = nn.Conv2d(len(channels), conv.out_channels, 1, bias=False)
    with torch.no_grad():
        w = conv.weight[:, channels]
        part.weight.copy_(w if scale is None else w * scale.view(-1, 1, 1, 1))
    return part


class NchwcFaceMatNet(FaceMatNet):
    """FaceMatNet's forward over padded layers; same inputs, same (alpha, logvar) outputs."""

    def __init__(self, net: FaceMatNet, block: int = DEFAULT_BLOCK, head_phases: int = HEAD_PHASES,
                 split_decoders: bool = True):
        nn.Module.__init__(self)  # the layers are built from `net`'s, not from an architecture
        if not net.has_logvar:
            raise ValueError("the padded layout is built for a network with a log-variance head")
        # crelu heads: the last decoder layer itself computes both halves (see _crelu_in_last_layer),
        # so this network's heads read its output as it is
        self.config, self.has_logvar, self.head_input = dict(net.config), True, "relu"
        rgb = Layout(3, (0, 1, 2))
        self.split_decoders = split_decoders
        if not split_decoders:
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
        dec1 = _crelu_in_last_layer(net.dec1) if net.head_input == "crelu" else net.dec1
        ly = lctx
        for name, dec, lskip in (("dec16", net.dec16, l16), ("dec8", net.dec8, l8), ("dec4", net.dec4, l4),
                                 ("dec2", net.dec2, l2), ("dec1", dec1, Layout.dense(3, block))):
            padded, lout = _pad_decoder(dec, ly, lskip, block)
            if split_decoders:
                # every padded skip channel (block-aligned) but the image's: its three real ones
                skip = rgb.index if name == "dec1" else tuple(range(lskip.size))
                padded = SplitDecoderBlock(padded, ly, skip)
            setattr(self, name, padded)
            ly = lout
        self.merged_heads = PhaseHeads(net.alpha_head, net.logvar_head, ly, head_phases)

    def rgb_skip(self, x):
        return x if self.split_decoders else self.rgb_lift(x)

    def heads(self, y):
        both = self.merged_heads(y)
        return both[:, 0:1], torch.clamp(both[:, 1:2], LOGVAR_MIN, LOGVAR_MAX)


class PhaseHeads(nn.Module):
    """The alpha and log-variance heads (3x3, stride 1, one output channel each) as one convolution
    that computes `phases` neighbouring pixels of a row per output position.

    Why: onnxruntime pads a blocked convolution's output channels up to the block, so two 3x3 head
    outputs at full resolution cost as much as 16 (AVX-512): the most expensive layer of the graph,
    1.25 of 6.7 ms. Output channel h * phases + p here is head h at column phases * X + p: a
    (3, phases + 2) kernel with stride (1, phases) whose columns p .. p + 2 hold the head's 3x3
    weights, so 2 x 8 real channels fill one AVX-512 block at an eighth of the positions (0.65 ms).
    A reshape and transpose put the columns back in order; the sums are the same products as the
    plain heads', in the order the convolution kernel adds them: equal on an AVX-512 Xeon, within
    3 float32 ulps on an AVX2 EPYC, whose kernel adds the wider window's taps in another order.
    phases=1 is the plain merged head.
    """

    def __init__(self, alpha_head: nn.Conv2d, logvar_head: nn.Conv2d, lin: Layout, phases: int):
        super().__init__()
        if alpha_head.kernel_size != (3, 3) or alpha_head.padding != (1, 1) or alpha_head.stride != (1, 1):
            raise ValueError("PhaseHeads expects 3x3 heads with stride 1 and padding 1")
        self.phases = phases
        weight = torch.cat([alpha_head.weight, logvar_head.weight])  # 2 x C x 3 x 3
        bias = torch.cat([alpha_head.bias, logvar_head.bias])
        self.conv = nn.Conv2d(lin.size, 2 * phases, (3, phases + 2), (1, phases), (1, 1))
        with torch.no_grad():
            self.conv.weight.zero_()
            for h in range(2):
                for p in range(phases):
                    self.conv.weight[h * phases + p, torch.tensor(lin.index), :, p:p + 3] = weight[h]
                    self.conv.bias[h * phases + p] = bias[h]

    def forward(self, y):
        if y.shape[-1] % self.phases:
            raise ValueError(f"PhaseHeads: width {y.shape[-1]} is not a multiple of {self.phases} phases")
        z = self.conv(y)
        n, _, h, w = z.shape
        return z.reshape(n, 2, self.phases, h, w).permute(0, 1, 3, 4, 2).reshape(n, 2, h, w * self.phases)


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
