"""The auxiliary parsing loss (training/parts.py, loss.w_parts): label groups, the head that starts
at zero, the groups carried through the bank stream with the photos, and a run that trains with it,
saves the student without the head and resumes."""
import json

import numpy as np
import pytest
import torch

from conftest import photo_root, randomised_net
from training.model import TEACHER_ARCH


def test_label_classes_fall_into_their_groups():
    from training.data import FACE_CLASSES
    from training.parts import GROUPS, N_GROUPS, group_index, one_hot_u8
    lab = np.arange(19, dtype=np.uint8).reshape(1, 19)
    g = group_index(lab)[0]
    names = ["background", *GROUPS]
    assert [names[g[c]] for c in FACE_CLASSES] == ["face"] * len(FACE_CLASSES)
    assert names[g[13]] == "hair" and names[g[17]] == "neck" and names[g[16]] == "neck"
    assert names[g[3]] == "eyeglasses" and names[g[8]] == names[g[15]] == "ears"
    assert names[g[0]] == "background" and names[g[18]] == "cloth" and names[g[14]] == "hat"
    oh = np.stack(one_hot_u8(g[None]))
    assert oh.shape == (N_GROUPS, 1, 19) and (oh.sum(0) == 255).all()


def test_the_head_starts_silent_and_the_loss_counts_labelled_pixels_only():
    from training.parts import N_GROUPS, PartsHead, parts_loss
    head = PartsHead(16)
    y = torch.randn(2, 16, 8, 8, requires_grad=True)
    tgt = torch.zeros(2, N_GROUPS, 8, 8)
    tgt[0, 2] = 1.0  # sample 0 labelled hair everywhere, sample 1 a composite (no label)
    loss = parts_loss(head(y), tgt)
    assert abs(float(loss) - np.log(N_GROUPS)) < 1e-5  # uniform logits over the labelled pixels
    loss.backward()
    assert float(y.grad.abs().max()) == 0.0 and float(head.weight.grad.abs().max()) > 0
    assert float(parts_loss(head(y), torch.zeros_like(tgt))) == 0.0
    sure = torch.full((2, N_GROUPS, 8, 8), -10.0)
    sure[:, 2] = 10.0
    assert float(parts_loss(sure, tgt)) < 1e-6


def _photo_data(tmp_path):
    root, _labs = photo_root(tmp_path, 6, 128, seed=1)
    return {"root": str(root), "val_fraction": 0.2, "split_seed": 0, "src_size": 128}


def _bank(tmp_path, dcfg):
    from training.bank import build_bank
    from training.dataset import build_banks
    from training.train import save_ckpt
    tp = tmp_path / "teacher.pt"
    save_ckpt(tp, randomised_net(TEACHER_ARCH), TEACHER_ARCH, 64, "teacher", {})
    cfg = {"size": 64, "data": dcfg, "synth": {}}
    tb, _vb, desc = build_banks(dcfg)
    return build_bank(cfg, tmp_path / "bank", 2, 4, tp, seed=3, log=lambda *a: None, faces=(tb, desc)), tp


def _run_args(tmp_path, steps: int) -> list:
    """A tiny student run on a bank of the tiny photo set, the photos half of each batch."""
    from training.utils import REPO_ROOT
    dcfg = _photo_data(tmp_path)
    out, _ = _bank(tmp_path, dcfg)
    return ["--config", str(REPO_ROOT / "training" / "configs" / "student.json"),
            "--set", "size=64", "--set", f"data={json.dumps(dcfg)}", "--set", "train.batch=4",
            "--set", f"train.max_steps={steps}", "--set", "train.skip_val=true", "--set", "train.log_every=1",
            "--set", f'bank.dir="{out}"', "--set", "bank.p_photo=0.5"]


def test_the_photos_label_groups_move_with_the_picture_and_composites_carry_none(tmp_path):
    from training.bank import BankStream, real_photos
    from training.parts import GROUPS, N_GROUPS
    dcfg = _photo_data(tmp_path)
    out, tp = _bank(tmp_path, dcfg)
    ph = real_photos(dcfg, 64, tp)
    assert ph["parts"].shape == (5, 64, 64) and ph["parts"].max() < N_GROUPS
    face = 1 + list(GROUPS).index("face")
    flipped = BankStream(out, 8, 4, {"jitter": 0, "flip": 1.0, "p_crop": 0}, photos=ph, p_photo=0.5, parts=True)
    n_photo = n_comp = 0
    for _ in range(6):
        im, al, _f, _ta, _tl, parts = next(flipped)
        assert parts.shape == (8, N_GROUPS, 64, 64)
        for x, a, p in zip(im.permute(0, 2, 3, 1).numpy(), al[:, 0].numpy(), parts.numpy()):
            hit = [j for j in range(5) if np.array_equal(x[:, ::-1], ph["img"][j])]
            if hit:  # a photo, mirrored: its groups mirrored with it and one group per pixel
                n_photo += 1
                assert np.allclose(p.sum(0), 1.0)
                assert np.array_equal(p.argmax(0)[:, ::-1], ph["parts"][hit[0]])
                assert ((p[face] > 0.5) == (a > 0.5)).mean() > 0.97
            else:
                n_comp += 1
                assert p.max() == 0.0
    assert n_photo and n_comp
    with pytest.raises(ValueError, match="p_photo"):
        BankStream(out, 8, 4, parts=True)
    pasted = BankStream(out, 8, 4, {"jitter": 0, "flip": 0.0, "p_crop": 0}, photos=ph, p_photo=1.0, parts=True,
                        hair_paste={"p": 1.0})
    im, al, _f, _ta, _tl, parts = next(pasted)
    assert np.allclose(parts.sum(1), 1.0, atol=0.02)  # still one group per pixel under pasted hair


def test_a_run_with_the_parsing_loss_saves_a_plain_student_and_resumes_with_or_without_it(tmp_path):
    from training.model import STUDENT_ARCH, build
    from training.train import cli
    common = _run_args(tmp_path, 3)
    with_parts = ["--set", "loss.w_parts=0.5"]
    rd, res = cli("student", common + with_parts + ["--run-dir", str(tmp_path / "s")])
    assert res["steps"] == 3
    log = (rd / "log.txt").read_text()
    assert "auxiliary parsing head" in log and " parts=" in log
    ck = torch.load(rd / "student.pt", weights_only=False)
    build({**STUDENT_ARCH, **ck["arch"]}).load_state_dict(ck["state_dict"])  # strict: no head keys
    st = torch.load(rd / "state.pt", weights_only=False)
    assert set(st["parts_heads"]) == {"student", "ablation"}
    assert float(st["parts_heads"]["student"]["weight"].abs().max()) > 0  # the head learnt
    rd2, res2 = cli("student", ["--resume", str(rd), "--set", "train.max_steps=5"])
    assert res2["steps"] == 5 and "resumed from" in (rd / "log.txt").read_text()
    # and the other way: resumed without it, the head is dropped
    _, res3 = cli("student", ["--resume", str(rd), "--set", "train.max_steps=6", "--set", "loss.w_parts=0"])
    assert res3["steps"] == 6 and "is dropped" in (rd / "log.txt").read_text()
    assert torch.load(rd / "state.pt", weights_only=False)["parts_heads"] == {}
    # a run started without the parsing loss can be resumed with it: the head starts at zero
    rd3, _ = cli("student", common + ["--set", "loss.w_parts=0", "--run-dir", str(tmp_path / "p")])
    assert "auxiliary parsing head" not in (rd3 / "log.txt").read_text()
    _, res4 = cli("student", ["--resume", str(rd3), "--set", "train.max_steps=4"] + with_parts)
    assert res4["steps"] == 4 and "it starts at zero" in (rd3 / "log.txt").read_text()


def test_occluder_weight_marks_both_sides_of_the_face_hair_border():
    import torch
    from training.parts import GROUPS, N_GROUPS, occluder_weight
    # one row of 12 pixels: background, face x4, hair x4, neck x3
    idx = np.array([[0, 1, 1, 1, 1, 2, 2, 2, 2, 5, 5, 5]], np.uint8)
    assert list(GROUPS)[0:2] == ["face", "hair"] and list(GROUPS)[4] == "neck"
    maps = torch.zeros(1, N_GROUPS, 1, 12)
    for x, g in enumerate(idx[0]):
        maps[0, g, 0, x] = 1.0
    w = occluder_weight(maps, k=3.0, reach=2)[0, 0, 0].tolist()
    # face within 2 px of hair (x 3, 4) and hair within 2 px of face (x 5, 6) get 1 + 3
    assert w == [1, 1, 1, 4, 4, 4, 4, 1, 1, 1, 1, 1]
    # composites carry no label groups: weight 1 everywhere
    assert occluder_weight(torch.zeros(2, N_GROUPS, 4, 4), k=3.0).eq(1).all()


def test_a_run_with_the_occluder_weight_and_soft_iou_reads_the_label_groups_without_a_head(tmp_path):
    from training.train import cli
    args = _run_args(tmp_path, 2) + ["--set", "loss.w_parts=0", "--set", "loss.w_occluder=3",
                                     "--set", "loss.w_iou=0.5", "--run-dir", str(tmp_path / "o")]
    rd, res = cli("student", args)
    assert res["steps"] == 2
    log = (rd / "log.txt").read_text()
    assert "face-occluder borders" in log and " iou=" in log
    assert "auxiliary parsing head" not in log
    assert torch.load(rd / "state.pt", weights_only=False)["parts_heads"] == {}
    # without photos in the batches there is no label map to weight by
    with pytest.raises(ValueError, match="w_occluder"):
        cli("student", args[:-2] + ["--set", "bank.p_photo=0", "--run-dir", str(tmp_path / "n")])
