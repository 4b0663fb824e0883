"""Two-step smoke trainings (teacher, then student + ablation) on a few procedural faces at 64x64:
the loss on the fixed batch must go down; run folders record seed, config and git commit."""
import json

import pytest

from training.train import cli


def _common(tmp_path):
    return ["--set", "size=64", "--set", "data.synthetic=6", "--set", "train.batch=4", "--set", "train.max_steps=3",
            "--set", "train.fixed_batch=true", "--set", "train.workers=0", "--set", "train.skip_val=true",
            "--set", "train.lr=0.003", "--set", "train.log_every=1", "--set", f"runs_dir={tmp_path}"]


def test_teacher_then_student_two_steps_decrease_loss(tmp_path):
    from training.utils import REPO_ROOT
    cfgdir = REPO_ROOT / "training" / "configs"
    rd, res = cli("teacher", ["--config", str(cfgdir / "teacher.json"), "--run-dir", str(tmp_path / "t")]
                  + _common(tmp_path))
    h = res["fixed_batch_loss"]
    assert len(h) == 3 and h[2] < h[0], h       # loss after two updates < initial loss
    info = json.loads((rd / "run_info.json").read_text())
    assert info["seed"] == 1 and info["git_commit"]
    assert json.loads((rd / "config.json").read_text())["size"] == 64
    assert (rd / "teacher.pt").exists()

    rd2, res2 = cli("student", ["--config", str(cfgdir / "student.json"), "--teacher", str(rd / "teacher.pt"),
                                "--run-dir", str(tmp_path / "s")] + _common(tmp_path))
    for name in ("student", "ablation"):
        h = res2["fixed_batch_loss"][name]
        assert h[2] < h[0], (name, h)
        assert (rd2 / f"{name}.pt").exists()
    # same initial weights and batches: the first losses differ only by the uncertainty weighting
    assert res2["fixed_batch_loss"]["student"][0] != res2["fixed_batch_loss"]["ablation"][0]


def test_cpu_fast_path_bf16_channels_last_trains_and_saves_a_plain_checkpoint(tmp_path):
    """train.cpu_bf16 + train.channels_last (the CPU fine-tuning settings): the loss still goes
    down, and the checkpoint loads into a freshly built network that computes in fp32."""
    import torch
    from training.evaluate import load_net
    from training.utils import REPO_ROOT
    cfg = REPO_ROOT / "training" / "configs" / "teacher.json"
    rd, res = cli("teacher", ["--config", str(cfg), "--run-dir", str(tmp_path / "t")] + _common(tmp_path)
                  + ["--set", "train.cpu_bf16=true", "--set", "train.channels_last=true", "--set", "train.threads=1"])
    h = res["fixed_batch_loss"]
    assert h[2] < h[0], h
    net = load_net(rd / "teacher.pt")
    with torch.no_grad():
        alpha, logvar = net(torch.zeros(1, 3, 64, 64))
    assert alpha.dtype == torch.float32 and alpha.shape == (1, 1, 64, 64)


@pytest.mark.parametrize("native", [True, False])
def test_autocast_uses_bf16_on_the_cpu_only_when_asked_and_native(monkeypatch, native):
    """train.cpu_bf16 is honoured only on a CPU with native bf16 (utils.native_bf16, patched here
    both ways): emulated bf16 is far slower than fp32."""
    import torch
    from training import train
    monkeypatch.setattr(train, "native_bf16", lambda: native)
    cpu = torch.device("cpu")
    x = torch.randn(1, 2, 8, 8)
    conv = torch.nn.Conv2d(2, 2, 3)
    with train.autocast(cpu, True):
        assert conv(x).dtype == torch.float32
    with train.autocast(cpu, True, cpu_bf16=True):
        assert conv(x).dtype == (torch.bfloat16 if native else torch.float32)
    with train.autocast(cpu, False, cpu_bf16=True):
        assert conv(x).dtype == torch.float32


def test_warm_start_converts_a_relu_head_checkpoint_for_crelu_heads(tmp_path):
    """init.student from a checkpoint with relu heads (every shipped student) into a run with
    arch.head_input "crelu": the converted weights compute the same alpha; crelu -> relu is refused."""
    import pytest
    import torch
    from test_export import _randomised_student
    from training.model import STUDENT_ARCH, build
    from training.train import save_ckpt, warm_start_state
    old = _randomised_student(head_input="relu")
    relu_arch = {k: v for k, v in STUDENT_ARCH.items() if k != "head_input"}
    crelu_arch = {**STUDENT_ARCH, "head_input": "crelu"}
    save_ckpt(tmp_path / "old.pt", old, relu_arch, 64, "student", {})
    new = build(crelu_arch).eval()
    new.load_state_dict(warm_start_state(tmp_path / "old.pt", crelu_arch))
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        assert torch.allclose(old(x)[0], new(x)[0], atol=1e-6)
    save_ckpt(tmp_path / "new.pt", new, crelu_arch, 64, "student", {})
    with pytest.raises(ValueError, match="relu -> crelu"):
        warm_start_state(tmp_path / "new.pt", relu_arch)


def test_teacher_continues_from_init_teacher(tmp_path):
    """init.teacher: a second run starts from the first run's weights, so on the same fixed batch
    (same seed) its first loss is below the first run's first loss from random weights."""
    from training.utils import REPO_ROOT
    cfg = str(REPO_ROOT / "training" / "configs" / "teacher.json")
    rd, res = cli("teacher", ["--config", cfg, "--run-dir", str(tmp_path / "t1")] + _common(tmp_path))
    _, res2 = cli("teacher", ["--config", cfg, "--run-dir", str(tmp_path / "t2"), "--set",
                              f"init.teacher={rd / 'teacher.pt'}"] + _common(tmp_path))
    first, cont = res["fixed_batch_loss"], res2["fixed_batch_loss"]
    assert cont[0] < first[0], (first, cont)
    assert "initialised from" in (tmp_path / "t2" / "log.txt").read_text()
