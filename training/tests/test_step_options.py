"""The cheaper-student-step options (training/README.md "Profile of one student step"): the CPU
training paths compute the same function and gradients as before, and train.freeze_prefix,
train.crop and train.parallel_students work end to end on a tiny bank."""
import json

import numpy as np
import torch

from conftest import randomised_net
from test_bank_resume import _tiny_bank
from training.model import STUDENT_ARCH


def _grads(net, x):
    a, lv = net(x)
    (a.mean() + (a * a).sum() * 1e-3 + lv.mean()).backward()
    out = {k: p.grad.clone() for k, p in net.named_parameters() if p.grad is not None}
    net.zero_grad(set_to_none=True)
    return a.detach(), out


def test_cpu_training_paths_give_the_eval_function_and_the_same_gradients():
    """A folded network (no BatchNorm: train mode = eval mode) in train mode on a channels-last
    input takes the merged-heads convolution and the channels-last upsampling gradient; its output
    is the eval-mode output and its gradients are those of the plain NCHW path."""
    from training.fold import fold_bn
    net = fold_bn(randomised_net(STUDENT_ARCH))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ref = net.eval()(x)[0]
    net.train()
    a0, g0 = _grads(net, x)
    a1, g1 = _grads(net.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last))
    assert (a0 - ref).abs().max() < 1e-5 and (a1 - ref).abs().max() < 1e-5
    assert g0.keys() == g1.keys() and len(g0) == len(list(net.parameters()))
    for k in g0:
        assert torch.allclose(g0[k], g1[k], rtol=1e-4, atol=1e-6), k


def test_freeze_prefix_stops_gradients_below_and_keeps_the_function():
    from training.model import freeze_prefix
    net = randomised_net(STUDENT_ARCH)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ref = net(x)[0]
    freeze_prefix(net, 2)
    with torch.no_grad():
        assert (net(x)[0] - ref).abs().max() < 1e-6
    net.train()
    assert not net.stem.training and not net.stages[0].training and net.stages[1].training
    assert net.stem[0][1].training is False  # BatchNorm of a frozen part keeps its statistics
    _, g = _grads(net, x)
    frozen = {k for k, p in net.named_parameters() if not p.requires_grad}
    assert frozen and all(k.startswith(("stem.", "stages.0.")) for k in frozen)
    assert not frozen & g.keys() and any(k.startswith("stages.1.") for k in g)
    freeze_prefix(net, 0).train()
    assert net.stem.training and all(p.requires_grad for p in net.parameters())


def test_random_crop_cuts_the_same_window_from_every_map():
    from training.train import random_crop
    img = torch.arange(2 * 3 * 64 * 64, dtype=torch.float32).reshape(2, 3, 64, 64)
    al = img[:, :1] * 2
    out = random_crop([img, al, None, al + 1], 32, np.random.default_rng(0))
    assert out[0].shape == (2, 3, 32, 32) and out[1].shape == (2, 1, 32, 32) and out[2] is None
    assert torch.equal(out[1], out[0][:, :1] * 2) and torch.equal(out[3], out[1] + 1)
    assert random_crop([img], 64, None)[0] is img


def _run(tmp_path, name, out, extra, steps=2):
    from training.train import cli
    from training.utils import REPO_ROOT
    init = tmp_path / "init.pt"
    if not init.exists():
        from training.train import save_ckpt
        save_ckpt(init, randomised_net(STUDENT_ARCH), STUDENT_ARCH, 64, "student", {})
    return cli("student", ["--config", str(REPO_ROOT / "training" / "configs" / "student.json"),
                           "--set", "size=64", "--set", "data.synthetic=6", "--set", "train.batch=4",
                           "--set", f"train.max_steps={steps}", "--set", "train.skip_val=true",
                           "--set", "train.fold_bn=true", "--set", "train.threads=1", "--set", "train.log_every=1",
                           "--set", "train.channels_last=true", "--set", f'bank.dir="{out}"',
                           "--set", f'init.student="{init}"', "--set", f'init.ablation="{init}"',
                           "--run-dir", str(tmp_path / name)] + extra)


def test_parallel_students_train_as_one_after_the_other(tmp_path):
    """Same batches, same arithmetic as train.threads=1 in one thread (up to float rounding:
    buffers land elsewhere in memory, so vectorised sums may split differently)."""
    _cfg, out, *_ = _tiny_bank(tmp_path)
    _, seq = _run(tmp_path, "seq", out, [])
    rd, par = _run(tmp_path, "par", out, ["--set", "train.parallel_students=true"])
    assert par["steps"] == 2 and par["loss_first"].keys() == seq["loss_first"].keys() == {"student", "ablation"}
    for n in seq["loss_first"]:
        assert np.allclose(par["loss_first"][n], seq["loss_first"][n], rtol=1e-5, atol=0), n
    assert "train.parallel_students" in (rd / "log.txt").read_text()
    assert "CPU-ms/sample" in (rd / "log.txt").read_text()


def test_freeze_prefix_and_crop_train_end_to_end_and_resume(tmp_path):
    from training.train import cli, load_ckpt
    _cfg, out, *_ = _tiny_bank(tmp_path)
    rd, res = _run(tmp_path, "fc", out, ["--set", "train.freeze_prefix=2", "--set", "train.crop=32"])
    assert res["steps"] == 2
    log = (rd / "log.txt").read_text()
    assert "frozen (train.freeze_prefix)" in log
    init, after = load_ckpt(tmp_path / "init.pt")["state_dict"], load_ckpt(rd / "student.pt")["state_dict"]
    # the frozen stem computes what it did (folded and written back: same eval function)
    from training.train import net_from_ckpt
    x = torch.randn(1, 3, 64, 64)
    a, b = net_from_ckpt({"arch": STUDENT_ARCH, "state_dict": init}).eval(), net_from_ckpt(load_ckpt(rd / "student.pt")).eval()
    with torch.no_grad():
        assert (a.stem(x) - b.stem(x)).abs().max() < 1e-5
        assert (a.stages[1](a.stages[0](a.stem(x))) - b.stages[1](b.stages[0](b.stem(x)))).abs().max() > 1e-6
    assert not torch.equal(init["alpha_head.weight"], after["alpha_head.weight"])
    rd2, res2 = cli("student", ["--resume", str(rd), "--set", "train.max_steps=3"])
    assert res2["steps"] == 3
    assert json.loads((rd / "config.json").read_text())["train"]["crop"] == 32


def test_malloc_keep_heap_in_a_fresh_process():
    """train.malloc_keep_heap changes the process's malloc: checked in a child process."""
    import subprocess
    import sys
    from training.utils import REPO_ROOT
    code = ("import torch; from training.utils import malloc_keep_heap; ok = malloc_keep_heap();"
            " x = [torch.ones(16, 16, 256, 256).sum() for _ in range(3)]; print(ok, float(x[-1]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    ok, total = out.stdout.split()
    assert ok in ("True", "False") and float(total) == 16 * 16 * 256 * 256
    if sys.platform.startswith("linux"):
        assert ok == "True"
