"""FaceMat networks: a MobileNetV2-style U-Net with an alpha head and a log-variance head.

The same code builds the teacher (wide) and the student (narrow); both predict
  alpha  = sigmoid(logits)          1xHxW in [0, 1]
  logvar = predicted log sigma^2    1xHxW (clamped to a sane range)
Only standard ops (Conv, BatchNorm, ReLU, Neg, Resize bilinear, Concat, GlobalAveragePool,
Sigmoid, Clip) are used so the ONNX export (opset 17) runs everywhere.
"""
from __future__ import annotations

import copy
from contextlib import nullcontext

import torch
import torch.nn as nn
import torch.nn.functional as F

LOGVAR_MIN = -10.0
LOGVAR_MAX = 3.0
HEAD_INPUTS = ("relu", "crelu")
# CPU training paths with the same function (merged heads, channels-last upsampling gradient);
# False only for profile_step's "old" variants, which measure the code as it was
CPU_TRAIN_PATHS = True


def _cbr(cin, cout, k=3, s=1, groups=1, dilation=1, act=True):
    pad = dilation * (k // 2)
    layers = [nn.Conv2d(cin, cout, k, s, pad, dilation=dilation, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand, dilation=1):
        super().__init__()
        hid = int(round(cin * expand))
        self.use_res = stride == 1 and cin == cout
        layers = []
        if expand != 1:
            layers.append(_cbr(cin, hid, 1))
        layers.append(_cbr(hid, hid, 3, stride, groups=hid, dilation=dilation))
        layers.append(_cbr(hid, cout, 1, act=False))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


class _ChannelsLastGrad(torch.autograd.Function):
    """Identity whose backward hands the gradient on as a contiguous channels-last tensor.

    Behind the upsampling in DecoderBlock (CPU training only): the gradient reaching the upsampled
    tensor is a channel slice of the concatenation's gradient (strided, neither layout), and
    torch 1.13's CPU upsample_bilinear2d_backward is several times slower on it (about 12 of
    70 CPU-ms per sample of a folded bf16 student step). Same values, same function."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g.contiguous(memory_format=torch.channels_last)


class DecoderBlock(nn.Module):
    """Upsample x2, concatenate the skip, depthwise-separable conv(s)."""

    def __init__(self, cin, cskip, cout, n=1, last_act=True):
        super().__init__()
        c = cin + cskip
        layers = []
        for i in range(n):
            layers += [_cbr(c, c, 3, groups=c), _cbr(c, cout, 1, act=last_act or i < n - 1)]
            c = cout
        self.body = nn.Sequential(*layers)

    def forward(self, x, skip):
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        if (CPU_TRAIN_PATHS and self.training and x.requires_grad and x.device.type == "cpu"
                and x.is_contiguous(memory_format=torch.channels_last)):
            x = _ChannelsLastGrad.apply(x)
        return self.body(torch.cat([x, skip], 1))


class FaceMatNet(nn.Module):
    """U-Net: stem /2, four inverted-residual stages down to /32, global context, decoder to /1.

    width: list of encoder channels [stem, s4, s8, s16, s32]
    dec:   list of decoder channels [d16, d8, d4, d2, d1]
    head_input: what the two heads read from the last decoder layer's pre-activation z:
      "relu"  relu(z), as every shipped student is built;
      "crelu" [relu(z), relu(-z)] (concatenated ReLU). With plain ReLU features a region that the
              trunk codes as "every feature off" (the student's face interior, see refit_heads)
              has one fixed alpha, sigmoid(bias), and passes no gradient back; with both signs no
              feature is ever off on both halves, so the heads see how far "off" each one is.
              Opt-in (--set arch.head_input='"crelu"'): measured on 0.4.0 continued for 17 CPU
              minutes each way, SAD -7 % and interior alpha 0.94-0.95 -> 0.962, IoU within the
              run-to-run noise, for 1.27x the CPU inference time (training/README.md).
    """

    frozen_prefix = 0  # leading encoder parts frozen by freeze_prefix(); not part of the weights

    def __init__(self, width=(16, 24, 32, 64, 96), dec=(64, 40, 24, 16, 12),
                 depth=(1, 2, 3, 3, 2), expand=4.0, dec_convs=1, logvar=True, head_input="relu"):
        super().__init__()
        if head_input not in HEAD_INPUTS:
            raise ValueError(f"head_input must be one of {HEAD_INPUTS}, not {head_input!r}")
        self.config = dict(width=list(width), dec=list(dec), depth=list(depth), expand=expand,
                           dec_convs=dec_convs, logvar=logvar, head_input=head_input)
        w = width
        self.stem = nn.Sequential(_cbr(3, w[0], 3, 2), InvertedResidual(w[0], w[0], 1, 1))
        stages = []
        cin = w[0]
        for i in range(1, 5):
            blocks = []
            for j in range(depth[i]):
                dil = 2 if (i == 4 and j > 0) else 1
                blocks.append(InvertedResidual(cin, w[i], 2 if j == 0 else 1, expand, dil))
                cin = w[i]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        # LR-ASPP-like global context gate on the deepest features
        self.ctx_conv = _cbr(w[4], dec[0], 1)
        self.ctx_gate = nn.Conv2d(w[4], dec[0], 1)
        self.dec16 = DecoderBlock(dec[0], w[3], dec[0], dec_convs)
        self.dec8 = DecoderBlock(dec[0], w[2], dec[1], dec_convs)
        self.dec4 = DecoderBlock(dec[1], w[1], dec[2], dec_convs)
        self.dec2 = DecoderBlock(dec[2], w[0], dec[3], dec_convs)
        # full resolution: cheap refinement with the RGB input
        self.head_input = head_input
        self.dec1 = DecoderBlock(dec[3], 3, dec[4], 1, last_act=head_input == "relu")
        cheads = dec[4] * (2 if head_input == "crelu" else 1)
        self.alpha_head = nn.Conv2d(cheads, 1, 3, 1, 1)
        self.has_logvar = logvar
        if logvar:
            self.logvar_head = nn.Conv2d(cheads, 1, 3, 1, 1)

    def encoder_parts(self):
        """[stem (/2), stage /4, /8, /16, /32] in order."""
        return [self.stem, *self.stages]

    def train(self, mode: bool = True):
        super().train(mode)
        for m in self.encoder_parts()[:self.frozen_prefix]:  # frozen parts stay in eval mode
            m.train(False)
        return self

    def encode(self, x):
        """-> [s2, s4, s8, s16, s32]; the frozen prefix (freeze_prefix) runs without autograd."""
        feats, h = [], x
        for i, m in enumerate(self.encoder_parts()):
            with torch.no_grad() if i < self.frozen_prefix else nullcontext():
                h = m(h)
            feats.append(h)
        return feats

    def forward_logits(self, x):
        return self.heads(self.features(x))

    def features(self, x):
        """What the heads read: the last decoder layer's output (as head_features gives it)."""
        s2, s4, s8, s16, s32 = self.encode(x)
        g = torch.sigmoid(self.ctx_gate(F.adaptive_avg_pool2d(s32, 1)))
        y = self.ctx_conv(s32) * g
        y = self.dec16(y, s16)
        y = self.dec8(y, s8)
        y = self.dec4(y, s4)
        y = self.dec2(y, s2)
        y = self.dec1(y, self.rgb_skip(x))
        return self.head_features(y)

    def rgb_skip(self, x):
        """The image as the full-resolution decoder block's skip input."""
        return x

    def head_features(self, y):
        """The last decoder layer's output as the heads read it (see head_input)."""
        if self.head_input == "crelu":
            return torch.cat([F.relu(y), F.relu(-y)], 1)
        return y

    def heads(self, y):
        """-> (alpha logits, clamped log-variance or None)."""
        if CPU_TRAIN_PATHS and self.training and self.has_logvar and torch.is_grad_enabled() and y.device.type == "cpu":
            # training on the CPU: both heads as one two-channel convolution (same function; two
            # one-channel convolutions at full resolution cost about 5 CPU-ms per sample more)
            ah, lh = self.alpha_head, self.logvar_head
            z = F.conv2d(y, torch.cat([ah.weight, lh.weight]), torch.cat([ah.bias, lh.bias]), 1, 1)
            return z[:, :1], torch.clamp(z[:, 1:], LOGVAR_MIN, LOGVAR_MAX)
        logits = self.alpha_head(y)
        logvar = None
        if self.has_logvar:
            logvar = torch.clamp(self.logvar_head(y), LOGVAR_MIN, LOGVAR_MAX)
        return logits, logvar

    def forward(self, x):
        logits, logvar = self.forward_logits(x)
        alpha = torch.sigmoid(logits)
        if logvar is None:
            return alpha
        return alpha, logvar


STUDENT_ARCH = dict(width=(16, 24, 32, 64, 96), dec=(64, 40, 24, 16, 12),
                    depth=(1, 2, 3, 3, 2), expand=4.0, dec_convs=1, logvar=True, head_input="relu")
TEACHER_ARCH = dict(width=(32, 48, 96, 160, 256), dec=(160, 96, 64, 32, 24),
                    depth=(1, 3, 4, 4, 3), expand=6.0, dec_convs=2, logvar=True)


def build(arch: dict) -> FaceMatNet:
    return FaceMatNet(**arch)


def freeze_prefix(net: FaceMatNet, n: int) -> FaceMatNet:
    """In place: the first n encoder parts (stem /2, stages /4 ... /32; n in 0..5) are frozen for
    fine-tuning (train.freeze_prefix): no gradients for their weights, run without autograd (so
    no backward below them, not even the input gradient) and kept in eval mode. Their features
    still feed the decoder's skips unchanged."""
    parts = net.encoder_parts()
    if not 0 <= n <= len(parts):
        raise ValueError(f"freeze_prefix must be in 0..{len(parts)}, not {n}")
    for i, m in enumerate(parts):
        for p in m.parameters():
            p.requires_grad_(i >= n)
    net.frozen_prefix = n
    return net.train(net.training)


def with_crelu_heads(net: FaceMatNet) -> FaceMatNet:
    """The same function as `net` (a "relu" head-input network) built with head_input "crelu": the
    heads' weights on the relu(-z) half start at zero, so the outputs are equal until the heads
    are refitted."""
    if net.head_input == "crelu":
        return copy.deepcopy(net)
    new = build({**net.config, "head_input": "crelu"}).train(net.training)
    sd = net.state_dict()
    for name in ("alpha_head", "logvar_head") if net.has_logvar else ("alpha_head",):
        w = sd[f"{name}.weight"]
        sd[f"{name}.weight"] = torch.cat([w, torch.zeros_like(w)], 1)
    new.load_state_dict(sd)
    return new


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def count_macs(m: nn.Module, h: int, w: int) -> int:
    """Multiply-accumulates of Conv2d layers (the rest is negligible) for a 1x3xHxW input."""
    macs = [0]

    def hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1]
        macs[0] += out.numel() * k * mod.in_channels // mod.groups

    hs = [mm.register_forward_hook(hook) for mm in m.modules() if isinstance(mm, nn.Conv2d)]
    was = m.training
    m.eval()
    with torch.no_grad():
        m(torch.zeros(1, 3, h, w))
    m.train(was)
    for hh in hs:
        hh.remove()
    return macs[0]
