"""Refitting the student's heads on frozen features: the loss goes down, only the two heads change,
each student keeps its own loss (weighted or not), and the checkpoints stay loadable."""
import json

import pytest
import torch

from training.evaluate import load_net
from training.model import STUDENT_ARCH, TEACHER_ARCH, build
from training.refit_heads import main
from training.train import save_ckpt
from training.utils import REPO_ROOT, load_config

CONFIG = REPO_ROOT / "training" / "configs" / "student.json"
SMALL = ["--set", "size=64", "--set", "data.synthetic=6", "--set", "train.workers=0", "--set", "refit.batches=2",
         "--set", "refit.batch=4", "--set", "refit.max_epochs=4", "--set", "refit.tol=0", "--set", "refit.lr=0.01"]


def _checkpoints(tmp_path, head_input="crelu"):
    torch.manual_seed(0)
    cfg = load_config(CONFIG)
    sarch = {**STUDENT_ARCH, "head_input": head_input}
    teacher, student = build(TEACHER_ARCH).eval(), build(sarch).eval()
    paths = {}
    for name, net, arch in (("teacher", teacher, TEACHER_ARCH), ("student", student, sarch),
                            ("ablation", student, sarch)):
        paths[name] = tmp_path / f"{name}.pt"
        save_ckpt(paths[name], net, arch, 64, name, cfg, {"weighted": name == "student"})
    return paths


@pytest.mark.parametrize("head_input", ["crelu", "relu"])  # relu: every shipped student
def test_refit_lowers_the_loss_and_changes_only_the_heads(tmp_path, head_input):
    p = _checkpoints(tmp_path, head_input)
    out = tmp_path / "refit"
    main(["--config", str(CONFIG), "--teacher", str(p["teacher"]), "--ckpt", str(p["student"]),
          "--ckpt", str(p["ablation"]), "--out", str(out)] + SMALL)
    report = json.loads((out / "refit.json").read_text())
    for name in ("student", "ablation"):
        r = report[name]
        assert r["epochs"] == 4 and r["loss"][-1] < r["loss"][0], (name, r["loss"])
        assert r["weighted"] == (name == "student")
        before, after = torch.load(p[name])["state_dict"], torch.load(out / f"{name}.pt")["state_dict"]
        changed = {k for k in before if not torch.equal(before[k], after[k])}
        assert changed == {"alpha_head.weight", "alpha_head.bias", "logvar_head.weight", "logvar_head.bias"}
        net = load_net(out / f"{name}.pt")
        assert net.head_input == head_input
        with torch.no_grad():
            alpha, logvar = net(torch.zeros(1, 3, 64, 64))
        assert alpha.shape == logvar.shape == (1, 1, 64, 64)
    assert (out / "run_info.json").exists()
    # same weights, same batches: the first losses differ only by the uncertainty weighting
    assert report["student"]["loss"][0] != report["ablation"]["loss"][0]


def test_refit_refuses_two_checkpoints_with_the_same_name(tmp_path):
    p = _checkpoints(tmp_path)
    other = tmp_path / "b"
    other.mkdir()
    (other / "student.pt").write_bytes(p["student"].read_bytes())
    with pytest.raises(SystemExit):
        main(["--config", str(CONFIG), "--teacher", str(p["teacher"]), "--ckpt", str(p["student"]),
              "--ckpt", str(other / "student.pt"), "--out", str(tmp_path / "o")] + SMALL)
    assert not (tmp_path / "o").exists(), "refused before making the output folder"
