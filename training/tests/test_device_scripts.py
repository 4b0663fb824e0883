"""The GPU machine scripts' plumbing, run with `echo` in place of Python (no GPU here): what each
training step would be asked to do."""
import os
import subprocess

from training.utils import REPO_ROOT


def _dry_run(tmp_path, **env):
    out = tmp_path / "out"
    e = {k: v for k, v in os.environ.items() if k != "FROM"}
    e.update(PY="echo", OUT=str(out), RUNS=str(tmp_path / "runs"), **env)
    r = subprocess.run(["bash", "training/device_run.sh", "30", "20", "train.echo=2"], cwd=REPO_ROOT, env=e,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return (out / "teacher.log").read_text(), (out / "student.log").read_text()


def test_device_run_starts_from_scratch_by_default(tmp_path):
    teacher, student = _dry_run(tmp_path)
    assert "train.budget_s=30" in teacher and "train.budget_s=20" in student
    assert "train.echo=2" in teacher and "train.echo=2" in student
    assert "init." not in teacher + student


def test_device_run_from_continues_all_three_networks(tmp_path):
    teacher, student = _dry_run(tmp_path, FROM="/carried/ft")
    assert "init.teacher=/carried/ft/teacher.pt" in teacher
    assert "init.student=/carried/ft/student.pt" in student and "init.ablation=/carried/ft/ablation.pt" in student
