"""training/widen.py: a widened student computes its source's function, its new channels are live
and normalised, and it learns (the zero weights that read the new channels get gradients)."""
import pytest
import torch

from conftest import randomised_net
from training.model import STUDENT_ARCH
from training.widen import normalise_new_channels, widen

WIDTH, DEC = (16, 32, 48, 64, 96), (64, 48, 32, 24, 16)


def _pair():
    src = randomised_net(STUDENT_ARCH)
    x = torch.randn(4, 3, 64, 64)
    return src, normalise_new_channels(widen(src, WIDTH, DEC), x), x


def test_widened_network_gives_the_source_outputs_in_eval_and_train_mode():
    src, wide, x = _pair()
    assert wide.config["width"] == list(WIDTH) and wide.config["dec"] == list(DEC)
    assert sum(p.numel() for p in wide.parameters()) > 1.1 * sum(p.numel() for p in src.parameters())
    with torch.no_grad():
        for mode in (False, True):  # train mode: BatchNorm on batch statistics, per channel
            a, lv = wide.train(mode)(x)
            b, lvb = src.train(mode)(x)
            assert torch.allclose(a, b, atol=1e-5) and torch.allclose(lv, lvb, atol=1e-4)


def test_new_channels_are_live_and_normalised():
    src, wide, x = _pair()
    seen = {}
    bn = wide.dec1.body[1][1]
    bn.register_forward_pre_hook(lambda m, i: seen.setdefault("in", i[0].clone()))
    with torch.no_grad():
        wide.eval()(x)
        out = bn(seen["in"])
    new = out[:, STUDENT_ARCH["dec"][4]:]  # the 4 new full-resolution channels, before ReLU
    assert new.abs().amax((0, 2, 3)).min() > 0
    assert torch.allclose(new.mean((0, 2, 3)), torch.zeros(new.shape[1]), atol=1e-3)
    assert torch.allclose(new.var((0, 2, 3), unbiased=False), torch.ones(new.shape[1]), atol=1e-2)


def test_weights_from_new_channels_get_gradients():
    """The alpha head's weights on the new channels start at zero and move on the first step."""
    _src, wide, x = _pair()
    w = wide.alpha_head.weight
    old = STUDENT_ARCH["dec"][4]
    assert w[:, old:].abs().max() == 0
    wide.train()
    wide(x)[0].mean().backward()
    assert w.grad[:, old:].abs().max() > 0


def test_narrowing_is_refused():
    with pytest.raises(ValueError, match="can only widen"):
        widen(randomised_net(STUDENT_ARCH), (16, 16, 32, 64, 96), DEC)


def test_a_run_widens_a_narrower_init_checkpoint(tmp_path, monkeypatch):
    """train.warm_start_state: init.student narrower than the run's arch -> the widened weights,
    same function (what a run with arch.width / arch.dec set does with the shipped 0.4.0)."""
    import training.widen
    from training.model import build
    from training.train import save_ckpt, warm_start_state
    src = randomised_net(STUDENT_ARCH)
    path = tmp_path / "narrow.pt"
    save_ckpt(path, src, dict(STUDENT_ARCH), 64, "student", {})
    x = torch.randn(4, 3, 64, 64)
    monkeypatch.setattr(training.widen, "training_photos", lambda n, size, root=None: x)
    arch = dict(STUDENT_ARCH, width=list(WIDTH), dec=list(DEC))
    lines = []
    wide = build(arch)
    wide.load_state_dict(warm_start_state(path, arch, None, 64, lines.append))
    assert any("widened" in m for m in lines)
    with torch.no_grad():
        assert torch.allclose(wide.eval()(x)[0], src.eval()(x)[0], atol=1e-5)


def test_deepened_decoder_gives_the_source_outputs_and_learns():
    """dec_convs 1 -> 2: the new identity convolutions change no output (eval mode, and with
    BatchNorm folded as training does), and each of their weights gets a gradient."""
    from training.fold import fold_bn
    from training.widen import deepen
    src = randomised_net(STUDENT_ARCH).eval()
    deep = deepen(src, 2)
    assert deep.config["dec_convs"] == 2 and len(deep.dec16.body) == 4 and len(deep.dec1.body) == 2
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        a, lv = deep(x)
        b, lvb = src(x)
    assert torch.allclose(a, b, atol=1e-5) and torch.allclose(lv, lvb, atol=1e-4)
    folded = fold_bn(deep)
    folded.train()
    folded(x)[0].mean().backward()
    for name in ("dec16", "dec8", "dec4", "dec2"):
        for layer in getattr(folded, name).body[2:]:
            assert layer[0].weight.grad.abs().max() > 0, name


def test_only_one_to_two_decoder_convolutions_is_deepened():
    from training.widen import deepen
    with pytest.raises(ValueError, match="can only deepen"):
        deepen(randomised_net(STUDENT_ARCH), 3)
