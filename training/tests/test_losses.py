import math

import numpy as np
import torch

from training import losses


def t(x):
    return torch.tensor(x, dtype=torch.float32).reshape(1, 1, 1, -1)


def test_gaussian_nll_hand_computed():
    a, y = t([0.5, 0.0]), t([1.0, 0.0])
    lv = t([0.0, math.log(0.25)])
    # pixel 1: 0.5*0.25/1 + 0 = 0.125 ; pixel 2: 0 + 0.5*log(0.25) = -0.693147
    exp = (0.125 + 0.5 * math.log(0.25)) / 2
    assert abs(float(losses.gaussian_nll(a, lv, y)) - exp) < 1e-6
    # beta-NLL with beta=0.5 multiplies each pixel by (s^2)^0.5: pixel 2 by 0.5
    expb = (0.125 * 1.0 + 0.5 * math.log(0.25) * 0.5) / 2
    assert abs(float(losses.gaussian_nll(a, lv, y, beta=0.5)) - expb) < 1e-6


def test_beta_nll_weight_has_no_gradient():
    a, y = t([0.2]), t([1.0])
    lv = t([0.3]).requires_grad_(True)
    losses.gaussian_nll(a, lv, y, beta=0.5).backward()
    # d/dlv [ (0.5*d^2*exp(-lv) + 0.5*lv) * c ], c = exp(0.5*lv) held constant
    d2 = 0.64
    exp = (-0.5 * d2 * math.exp(-0.3) + 0.5) * math.exp(0.15)
    assert abs(float(lv.grad) - exp) < 1e-5


def test_l1_and_weighted_l1():
    a, y = t([0.0, 1.0, 0.5, 0.5]), t([1.0, 1.0, 0.0, 0.25])
    assert abs(float(losses.l1(a, y)) - (1 + 0 + 0.5 + 0.25) / 4) < 1e-7
    w = t([2.0, 1.0, 1.0, 4.0])
    assert abs(float(losses.l1(a, y, w)) - (2 + 0 + 0.5 + 1.0) / 4) < 1e-7


def test_uncertainty_weight_hand_computed():
    lv = t([0.0, 2 * math.log(2.0), 2 * math.log(3.0)])  # s = 1, 2, 3
    w = losses.uncertainty_weight(lv, k=4.0)
    np.testing.assert_allclose(w.flatten().numpy(), [1.0, 3.0, 5.0], atol=1e-4)


def test_student_loss_ablation_has_unit_weights():
    torch.manual_seed(0)
    a, y, ta = torch.rand(2, 1, 16, 16), torch.rand(2, 1, 16, 16), torch.rand(2, 1, 16, 16)
    tlv = torch.randn(2, 1, 16, 16)
    cfg = {"k": 4.0, "w_gt": 1.0, "w_kd": 0.5, "w_lap": 0.0, "w_nll": 0.0}
    tot, parts = losses.student_loss(a, None, y, ta, tlv, cfg, weighted=False)
    exp = (a - y).abs().mean() + 0.5 * (a - ta).abs().mean()
    assert abs(float(tot) - float(exp)) < 1e-6
    totw, partsw = losses.student_loss(a, None, y, ta, tlv, cfg, weighted=True)
    w = losses.uncertainty_weight(tlv, 4.0)
    expw = ((a - y).abs() * w).mean() + 0.5 * ((a - ta).abs() * w).mean()
    assert abs(float(totw) - float(expw)) < 1e-5


def test_laplacian_loss_properties_and_first_level():
    torch.manual_seed(1)
    x = torch.rand(1, 1, 32, 32)
    assert float(losses.laplacian_loss(x, x)) == 0.0
    # band-pass: blind to a constant offset
    assert float(losses.laplacian_loss(x + 0.3, x)) < 1e-5
    # first level against an independent numpy implementation (mirror padding, [1,4,6,4,1]/16)
    from scipy import ndimage
    k1 = np.array([1, 4, 6, 4, 1], np.float64) / 16
    k = np.outer(k1, k1)
    xn = x[0, 0].double().numpy()
    down = ndimage.convolve(xn, k, mode="mirror")[::2, ::2]
    up = np.zeros_like(xn)
    up[::2, ::2] = down
    up = ndimage.convolve(up, k, mode="mirror") * 4
    lap0 = xn - up
    got = losses.laplacian_pyramid(x, 1)[0][0, 0].double().numpy()
    np.testing.assert_allclose(got, lap0, atol=1e-5)
    # a single impulse: loss equals sum over levels of 2^i * mean|L_i(impulse)|
    y = torch.zeros(1, 1, 32, 32)
    z = y.clone()
    z[0, 0, 16, 16] = 1.0
    pyr = losses.laplacian_pyramid(z, 5)
    exp = sum((2 ** i) * float(p.abs().mean()) for i, p in enumerate(pyr))
    assert abs(float(losses.laplacian_loss(z, y)) - exp) < 1e-6 and exp > 0


def test_separable_blur_matches_the_2d_convolution_in_value_and_gradient():
    """_gauss5 (shifted adds) computes the reference 5x5 convolution's blur, so the Laplacian loss
    and its gradient are those of the convolution implementation (any size, odd ones too)."""
    torch.manual_seed(0)
    for shape in ((3, 1, 64, 64), (2, 1, 37, 50)):
        x = torch.rand(shape, dtype=torch.float64)
        assert torch.allclose(losses._gauss5(x), losses._gauss5_conv(x), atol=1e-12)
    a0, y = torch.rand(2, 1, 64, 64), torch.rand(2, 1, 64, 64)
    grads, vals = [], []
    for blur in (losses._gauss5, losses._gauss5_conv):
        orig, losses._gauss5 = losses._gauss5, blur
        try:
            a = a0.clone().requires_grad_(True)
            v = losses.laplacian_loss(a, y)
            v.backward()
        finally:
            losses._gauss5 = orig
        vals.append(float(v))
        grads.append(a.grad)
    assert abs(vals[0] - vals[1]) < 1e-6
    assert torch.allclose(grads[0], grads[1], atol=1e-9)


def test_soft_iou_loss_hand_computed():
    a = t([1.0, 0.5, 0.0, 0.0])
    y = t([1.0, 1.0, 1.0, 0.0])
    # inter 1.5, union 1 + 1 + 1 - 0 (a + t - a t: 1, 1, 1, 0) = 3; eps 1 -> 1 - 2.5 / 4
    assert abs(float(losses.soft_iou_loss(a, y)) - (1 - 2.5 / 4)) < 1e-6
    assert float(losses.soft_iou_loss(y, y)) < 1e-7
    # a face-less sample predicted empty costs nothing; predicted full, it costs
    z = t([0.0, 0.0])
    assert float(losses.soft_iou_loss(z, z)) == 0.0
    assert float(losses.soft_iou_loss(t([1.0, 1.0]), z)) > 0.6


def test_soft_iou_loss_is_per_image_mean():
    a = torch.cat([t([1.0, 0.0]), t([1.0, 1.0])])
    y = torch.cat([t([1.0, 1.0]), t([1.0, 1.0])])
    assert abs(float(losses.soft_iou_loss(a, y)) - (1 - 2 / 3) / 2) < 1e-6


def test_student_loss_w_iou_and_pixel_weight():
    torch.manual_seed(1)
    a, y, ta = torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8)
    tlv = torch.randn(2, 1, 8, 8)
    pw = 1.0 + 3.0 * (torch.rand(2, 1, 8, 8) > 0.5).float()
    cfg = {"k": 4.0, "w_gt": 1.0, "w_kd": 0.0, "w_lap": 0.0, "w_nll": 0.0, "w_iou": 0.5}
    tot, parts = losses.student_loss(a, None, y, ta, tlv, cfg, weighted=True, pixel_weight=pw)
    w = losses.uncertainty_weight(tlv, 4.0)
    exp = ((a - y).abs() * w * pw).mean() + 0.5 * losses.soft_iou_loss(a, y)
    assert abs(float(tot) - float(exp)) < 1e-5
    assert "iou" in parts
    tot0, parts0 = losses.student_loss(a, None, y, ta, tlv, {**cfg, "w_iou": 0.0}, weighted=False)
    assert "iou" not in parts0 and abs(float(tot0) - float((a - y).abs().mean())) < 1e-6
