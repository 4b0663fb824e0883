"""The CPU training path: ONNX weights read back, the composite bank with cached teacher outputs,
training from it, resuming a run, and the real-occlusion split's definition."""
import json

import numpy as np
import pytest
import torch

from conftest import photo_root, randomised_net
from training.model import STUDENT_ARCH, TEACHER_ARCH


def test_student_read_back_from_its_exported_onnx_computes_the_same(tmp_path):
    from training.cpu_layout import NchwcFaceMatNet
    from training.export import export_onnx
    from training.onnx_weights import calibrate_bn, student_from_onnx
    from training.train import load_ckpt, net_from_ckpt
    net = randomised_net(STUDENT_ARCH)
    path = tmp_path / "s.onnx"
    export_onnx(NchwcFaceMatNet(net), path, 64)
    back = student_from_onnx(path)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        a0, l0 = net(x)
        a1, l1 = back(x)
    assert (a0 - a1).abs().max() < 1e-4 and (l0 - l1).abs().max() < 1e-3
    # load_ckpt reads .onnx too; BN calibration keeps the eval-mode function
    net2 = net_from_ckpt(load_ckpt(path)).eval()
    calibrate_bn(net2, [x])
    with torch.no_grad():
        a2, _ = net2(x)
        net2.train()
        a3, _ = net2(x)  # train mode (batch statistics) on the calibration batch: nearly the same
    assert (a0 - a2).abs().max() < 1e-4
    assert (a0 - a3).abs().mean() < 1e-2


@pytest.mark.parametrize("phases,split,head_input", [(1, False, "relu"), (8, True, "relu"), (8, True, "crelu")])
def test_graphs_of_every_layout_read_back(tmp_path, phases, split, head_input):
    """Graphs up to 0.8.0 hold the heads as one two-channel convolution (PhaseHeads with one phase)
    and concatenate in the decoder; later ones have eight phases and SplitDecoderBlocks. Training
    continues from either."""
    from training.cpu_layout import NchwcFaceMatNet
    from training.export import export_onnx
    from training.onnx_weights import student_from_onnx
    net = randomised_net(dict(STUDENT_ARCH, head_input=head_input))
    path = tmp_path / f"heads{phases}-{split}.onnx"
    export_onnx(NchwcFaceMatNet(net, head_phases=phases, split_decoders=split), path, 64)
    back = student_from_onnx(path)
    assert torch.equal(back.alpha_head.weight, net.alpha_head.weight)
    assert torch.equal(back.logvar_head.bias, net.logvar_head.bias)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert (net(x)[0] - back(x)[0]).abs().max() < 1e-4


def test_a_wider_student_reads_back_with_its_architecture(tmp_path):
    """export.py records the architecture in the ONNX metadata; a widened student (training.widen)
    is read back at its own widths, not STUDENT_ARCH's."""
    from training.cpu_layout import NchwcFaceMatNet
    from training.export import export_onnx
    from training.train import load_ckpt, net_from_ckpt
    arch = dict(STUDENT_ARCH, width=[16, 32, 48, 64, 96], dec=[64, 48, 32, 24, 16])
    net = randomised_net(arch)
    path = tmp_path / "wide.onnx"
    export_onnx(NchwcFaceMatNet(net), path, 64)
    ck = load_ckpt(path)
    assert ck["arch"]["width"] == arch["width"] and ck["arch"]["dec"] == arch["dec"]
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert (net(x)[0] - net_from_ckpt(ck).eval()(x)[0]).abs().max() < 1e-4


def test_shipped_student_reads_back(tmp_path):
    from conftest import REPO
    from training.onnx_weights import student_from_onnx
    net = student_from_onnx(REPO / "models" / "facemat-student.onnx")
    with torch.no_grad():
        a, lv = net(torch.zeros(1, 3, 64, 64))
    assert a.shape == (1, 1, 64, 64) and torch.isfinite(lv).all()


def _tiny_bank(tmp_path, teacher=True):
    from training.bank import build_bank
    from training.dataset import build_banks
    from training.train import save_ckpt
    tp = None
    if teacher:
        tp = tmp_path / "teacher.pt"
        save_ckpt(tp, randomised_net(TEACHER_ARCH), TEACHER_ARCH, 64, "teacher", {})
    cfg = {"size": 64, "data": {"synthetic": 6, "val_fraction": 0.2, "split_seed": 0, "src_size": 128},
           "synth": {}}
    tb, _vb, desc = build_banks(cfg["data"])
    out = build_bank(cfg, tmp_path / "bank", 2, 4, tp, seed=3, log=lambda *a: None, faces=(tb, desc))
    return cfg, out, tb, desc


def test_bank_shards_reproduce_the_stream_and_augment_consistently(tmp_path):
    from training.bank import BankStream, build_bank, finished_shards
    from training.dataset import TrainStream
    cfg, out, tb, desc = _tiny_bank(tmp_path)
    shards = finished_shards(out)
    assert [p.name for p in shards] == ["shard-00000", "shard-00001"]
    img = np.load(shards[1] / "img.npy")
    assert img.dtype == np.uint8 and img.shape == (4, 64, 64, 3)
    for n in ("alpha", "talpha", "tlogvar", "type"):
        assert np.load(shards[0] / f"{n}.npy").dtype == np.uint8
    # composite 5 of the bank is sample 5 of the seeded training stream
    ref = TrainStream(tb, 64, {}, 3)[5][0].permute(1, 2, 0).numpy()
    assert np.array_equal(img[1], ref)
    # a second build skips finished shards
    build_bank(cfg, out, 2, 4, tmp_path / "teacher.pt", seed=3, log=lambda *a: None, faces=(tb, desc))
    bs = BankStream(out, 5, 0, {"jitter": 0})
    im, al, face, ta, tl, parts = next(bs)
    assert parts is None  # no photos, no label groups
    assert im.shape == (5, 3, 64, 64) and im.dtype == torch.uint8
    assert al.shape == ta.shape == tl.shape == (5, 1, 64, 64)
    assert float(al.min()) >= 0 and float(al.max()) <= 1
    # no crop / no flip / no jitter: the stored arrays come back as they are
    bs = BankStream(out, 8, 1, {"jitter": 0, "flip": 0, "p_crop": 0})
    im, al, *_ = next(bs)
    stored = np.concatenate([np.load(p / "img.npy") for p in shards])
    hits = [any(np.array_equal(im[i].permute(1, 2, 0).numpy(), s) for s in stored) for i in range(8)]
    assert all(hits)


def test_bank_refuses_to_grow_with_another_data_split(tmp_path):
    from training.bank import build_bank
    cfg, out, tb, desc = _tiny_bank(tmp_path)
    other = {**cfg, "data": {**cfg["data"], "split_seed": 1}}
    with pytest.raises(ValueError, match="data="):
        build_bank(other, out, 4, 4, tmp_path / "teacher.pt", seed=3, log=lambda *a: None, faces=(tb, desc))


def test_student_trains_from_the_bank_and_resumes(tmp_path):
    from training.train import cli
    cfg, out, *_ = _tiny_bank(tmp_path)
    from training.utils import REPO_ROOT
    common = ["--config", str(REPO_ROOT / "training" / "configs" / "student.json"),
              "--set", "size=64", "--set", "data.synthetic=6", "--set", "train.batch=4",
              "--set", "train.max_steps=3", "--set", "train.workers=0", "--set", "train.skip_val=true",
              "--set", f'bank.dir="{out}"', "--set", "train.log_every=1"]
    rd, res = cli("student", common + ["--run-dir", str(tmp_path / "s")])
    assert res["steps"] == 3 and (rd / "state.pt").exists() and (rd / "student.pt").exists()
    log = (rd / "log.txt").read_text()
    assert "cached in the bank" in log
    rd2, res2 = cli("student", ["--resume", str(rd), "--set", "train.max_steps=5"])
    assert res2["steps"] == 5 and len(res2["loss_last"]["student"]) == 3
    assert "resumed from" in (rd / "log.txt").read_text()
    assert json.loads((rd / "config.json").read_text())["train"]["max_steps"] == 5


def test_real_occlusion_fraction_counts_occluders_inside_the_face_hull():
    from training.realocc import hull_mask, occlusion_fraction, oracle_alpha, score_photo
    lab = np.zeros((40, 40), np.uint8)
    lab[10:30, 10:30] = 1          # face square
    assert occlusion_fraction(lab) == 0.0
    lab[16:20, 12:28] = 3          # glasses across the face: 64 of the hull's 400 pixels
    assert abs(occlusion_fraction(lab) - 0.16) < 1e-6
    lab[0:8, :] = 13               # hair outside the face outline does not count
    assert abs(occlusion_fraction(lab) - 0.16) < 1e-6
    assert hull_mask(lab == 1).sum() == 400
    orc = oracle_alpha(lab)
    s = score_photo(orc, lab)
    assert s["leak"] == 1.0 and abs(s["iou"] - 336 / 400) < 1e-6
    assert abs(s["occ_in"] - 64 / 400) < 1e-6 and s["fp_edge"] == s["fp_far"] == s["fn_edge"] == s["fn_far"] == 0
    s = score_photo((lab == 1).astype(np.float32), lab)
    assert s["leak"] == 0.0 and s["iou"] == 1.0
    # a prediction one pixel too wide all round, and a 6x6 hole deep inside the face
    lab = np.zeros((40, 40), np.uint8)
    lab[10:30, 10:30] = 1
    pred = np.zeros((40, 40), np.float32)
    pred[9:31, 9:31] = 1
    pred[20:26, 17:23] = 0
    s = score_photo(pred, lab)
    union = 22 * 22
    assert abs(s["fp_edge"] - 84 / union) < 1e-6 and s["fp_far"] == 0 and s["fn_edge"] == 0
    assert abs(s["fn_far"] - 36 / union) < 1e-6
    assert abs(1 - s["iou"] - (s["occ_in"] + s["fp_edge"] + s["fp_far"] + s["fn_edge"] + s["fn_far"])) < 1e-6


def test_teacher_trains_from_the_bank(tmp_path):
    from training.train import cli
    from training.utils import REPO_ROOT
    _cfg, out, *_ = _tiny_bank(tmp_path, teacher=False)
    rd, res = cli("teacher", ["--config", str(REPO_ROOT / "training" / "configs" / "teacher.json"),
                              "--set", "size=64", "--set", "data.synthetic=6", "--set", "train.batch=4",
                              "--set", "train.max_steps=2", "--set", "train.workers=0", "--set", "train.skip_val=true",
                              "--set", f'bank.dir="{out}"', "--run-dir", str(tmp_path / "t")])
    assert res["steps"] == 2 and (rd / "teacher.pt").exists() and (rd / "state.pt").exists()
    # a teacher run continues from its state.pt too, here or in a later session
    rd2, res2 = cli("teacher", ["--resume", str(rd), "--set", "train.max_steps=4"])
    assert rd2 == rd and res2["steps"] == 4 and res2["samples"] == 16
    assert "resumed from" in (rd / "log.txt").read_text()
    assert json.loads((rd / "config.json").read_text())["train"]["max_steps"] == 4


def test_folded_batchnorm_computes_the_same_and_unfolds_to_a_plain_checkpoint(tmp_path):
    from training.fold import fold_bn, is_folded, unfolded
    from training.train import cli, save_ckpt
    net = randomised_net(STUDENT_ARCH)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        a0, l0 = net(x)
        f = fold_bn(randomised_net(STUDENT_ARCH).eval())
        a1, l1 = f(x)
        a2, l2 = unfolded(f).eval()(x)
    assert is_folded(f) and not is_folded(unfolded(f))
    assert (a0 - a1).abs().max() < 1e-4 and (a0 - a2).abs().max() < 1e-4
    # a fine-tuning run with train.fold_bn saves plain checkpoints and resumes
    init = tmp_path / "init.pt"
    save_ckpt(init, net, STUDENT_ARCH, 64, "student", {})
    _cfg, out, *_ = _tiny_bank(tmp_path)
    from training.utils import REPO_ROOT
    rd, res = cli("student", ["--config", str(REPO_ROOT / "training" / "configs" / "student.json"),
                              "--set", "size=64", "--set", "data.synthetic=6", "--set", "train.batch=4",
                              "--set", "train.max_steps=2", "--set", "train.skip_val=true", "--set", "train.fold_bn=true",
                              "--set", f'bank.dir="{out}"', "--set", f'init.student="{init}"',
                              "--set", f'init.ablation="{init}"', "--run-dir", str(tmp_path / "s")])
    from training.train import load_ckpt, net_from_ckpt
    back = net_from_ckpt(load_ckpt(rd / "student.pt"))
    assert not is_folded(back)
    rd2, res2 = cli("student", ["--resume", str(rd), "--set", "train.max_steps=3"])
    assert res2["steps"] == 3


def test_face_light_shades_one_side_of_the_face_and_leaves_targets_alone():
    from training.bank import augment, face_light
    B, S = 64, 64
    x = torch.full((B, 3, S, S), 0.5)
    yy, xx = torch.meshgrid(torch.arange(S) + 0.5, torch.arange(S) + 0.5, indexing="ij")
    alpha = ((xx - 40) ** 2 + (yy - 24) ** 2 < 12 ** 2).float().expand(B, 1, S, S).contiguous()
    lit = face_light(x, alpha, np.random.default_rng(0), 1.0)
    face = alpha[:, 0] > 0
    inside = [lit[i, 0][face[i]] for i in range(B)]
    # every image lit from one side: across the face the brightest pixel is well above the darkest
    assert min(float(v.max() / v.min()) for v in inside) > 1.1
    assert max(float(v.max() / v.min()) for v in inside) > 3  # and some are hard shadows
    # probability p: about half the images of a batch are lit at p = 0.5
    half = face_light(x, alpha, np.random.default_rng(1), 0.5)
    changed = int(((half - x).abs().amax((1, 2, 3)) > 1e-6).sum())
    assert 16 < changed < 48
    # in augment: alpha unchanged; light 0 draws nothing, so the stream is the one without it
    img = (x * 255).to(torch.uint8)
    a0 = augment(img, alpha, None, None, np.random.default_rng(2), {"jitter": 1.0})
    a1 = augment(img, alpha, None, None, np.random.default_rng(2), {"jitter": 1.0, "light": 0})
    a2 = augment(img, alpha, None, None, np.random.default_rng(2), {"jitter": 0, "light": 1.0, "flip": 0, "p_crop": 0})
    assert torch.equal(a0[0], a1[0]) and torch.equal(a0[1], a1[1])
    assert torch.equal(a2[1], alpha) and not torch.equal(a2[0], img)


def test_bank_stream_never_draws_an_excluded_faces_composites(tmp_path):
    from training.bank import BankStream, finished_shards
    from training.dataset import stream_face, train_face_names
    cfg, out, tb, desc = _tiny_bank(tmp_path)
    names = train_face_names(cfg["data"])
    assert len(names) == tb.n == 5
    stored = np.concatenate([np.load(p / "img.npy") for p in finished_shards(out)])
    faces = [names[stream_face(k, tb.n, 3)] for k in range(len(stored))]
    gone = faces[0]

    def drawn_faces(exclude):
        bs = BankStream(out, 4, 5, {"jitter": 0, "flip": 0, "p_crop": 0}, exclude=exclude)
        seen = set()
        for _ in range(12):
            im = next(bs)[0].permute(0, 2, 3, 1).numpy()
            for x in im:
                k = next(k for k, s in enumerate(stored) if np.array_equal(x, s))
                seen.add(faces[k])
        return seen

    assert gone in drawn_faces(())
    left = drawn_faces({gone, "not-a-face-of-this-bank"})
    assert gone not in left and left == set(faces) - {gone}


def test_real_photos_mix_into_the_bank_stream_with_their_own_labels(tmp_path):
    from training.bank import BankStream, real_photos
    from training.data import FACE_CLASSES
    from training.dataset import train_face_names
    from training.train import save_ckpt
    cfg, out, tb, desc = _tiny_bank(tmp_path)
    root, labs = photo_root(tmp_path, 6, 128, seed=1)
    dcfg = {"root": str(root), "val_fraction": 0.2, "split_seed": 0}
    save_ckpt(tmp_path / "t.pt", randomised_net(TEACHER_ARCH), TEACHER_ARCH, 64, "teacher", {})
    ph = real_photos(dcfg, 64, tmp_path / "t.pt")
    names = train_face_names(dcfg)
    assert ph["img"].shape == (5, 64, 64, 3) and ph["talpha"].shape == ph["alpha"].shape == (5, 64, 64)
    # the target is the labelled face area-averaged to the network's size: soft on the outline only
    face = np.isin(labs[int(names[0][1:])], FACE_CLASSES).reshape(64, 2, 64, 2).mean((1, 3))
    assert np.abs(ph["alpha"][0] / 255.0 - face).max() <= 0.5 / 255 + 1e-6
    assert 0 < ((ph["alpha"] > 0) & (ph["alpha"] < 255)).mean() < 0.2
    # excluded faces' photos are left out
    ph4 = real_photos(dcfg, 64, None, exclude={names[0]})
    assert len(ph4["img"]) == 4 and np.array_equal(ph4["img"][0], ph["img"][1]) and "talpha" not in ph4
    plain = BankStream(out, 6, 2, {"jitter": 0, "flip": 0, "p_crop": 0})
    off = BankStream(out, 6, 2, {"jitter": 0, "flip": 0, "p_crop": 0}, photos=ph, p_photo=0.0)
    assert torch.equal(next(plain)[0], next(off)[0])  # p_photo 0: the stream as it was
    mixed = BankStream(out, 6, 2, {"jitter": 0, "flip": 0, "p_crop": 0}, photos=ph, p_photo=0.5)
    n_photo = 0
    for _ in range(10):
        im, al, *_ = next(mixed)
        for x, a in zip(im.permute(0, 2, 3, 1).numpy(), al[:, 0].numpy()):
            hit = [j for j in range(5) if np.array_equal(x, ph["img"][j])]
            if hit:  # a photo comes with its own label as the target
                n_photo += 1
                assert np.allclose(a, ph["alpha"][hit[0]] / 255.0)
    assert 15 <= n_photo <= 45  # half of 60 slots, give or take


def test_photo_recolouring_moves_only_the_skin_and_hair_and_keeps_the_label(tmp_path):
    from training.bank import BankStream, real_photos, recolour_photo
    from training.train import save_ckpt
    cfg, out, tb, desc = _tiny_bank(tmp_path)
    root, _labs = photo_root(tmp_path, 6, 128, seed=1)
    save_ckpt(tmp_path / "t.pt", randomised_net(TEACHER_ARCH), TEACHER_ARCH, 64, "teacher", {})
    ph = real_photos({"root": str(root), "val_fraction": 0.2, "split_seed": 0}, 64, tmp_path / "t.pt")
    assert not np.isnan(ph["skin_mean"]).any() and not np.isnan(ph["hair_mean"]).any()
    rng = np.random.default_rng(0)
    x0 = ph["img"][0].astype(int)
    hair = recolour_photo(ph, 0, rng, {"hair": {"p": 1.0}}).astype(int)
    skin = recolour_photo(ph, 0, rng, {"tone": {"p": 1.0, "lum": [0.15, 0.2]}}).astype(int)
    untouched = (ph["hair_w"][0] == 0) & (ph["skin_w"][0] == 0)
    for y, w in ((hair, ph["hair_w"][0]), (skin, ph["skin_w"][0])):
        moved = np.abs(y - x0).max(-1)
        assert (moved[untouched] == 0).all()          # nothing but the weighted region changes
        assert moved[w == 255].mean() > 8              # and that region does
    assert (np.abs(hair - x0).max(-1)[ph["skin_w"][0] == 255] == 0).all()  # hair leaves skin alone
    # the dark tone is dark: the skin's mean luminance falls from the synthetic faces' light tone
    assert skin[ph["skin_w"][0] == 255].mean() < x0[ph["skin_w"][0] == 255].mean() - 20
    assert np.array_equal(recolour_photo(ph, 0, rng, {}), ph["img"][0])
    # in the stream: the same batches and targets with and without recolouring, photos' colours aside
    aug = {"jitter": 0, "flip": 0, "p_crop": 0}
    plain = BankStream(out, 6, 2, aug, photos=ph, p_photo=0.5)
    recol = BankStream(out, 6, 2, aug, photos=ph, p_photo=0.5,
                       photo_recolour={"tone": {"p": 1.0}, "hair": {"p": 1.0}})
    changed = 0
    for _ in range(6):
        (ia, aa, *_), (ib, ab, *_) = next(plain), next(recol)
        assert torch.equal(aa, ab)
        for x, y in zip(ia.permute(0, 2, 3, 1).numpy(), ib.permute(0, 2, 3, 1).numpy()):
            is_photo = any(np.array_equal(x, p) for p in ph["img"])
            assert is_photo or np.array_equal(x, y)   # composites are never recoloured
            changed += is_photo and not np.array_equal(x, y)
    assert changed > 0


def test_photo_augmentation_moves_the_label_with_the_picture():
    from training.bank import augment_photo
    S = 96
    img = np.full((S, S, 3), 40, np.uint8)
    alpha = np.zeros((S, S), np.uint8)
    img[30:70, 25:60] = (200, 120, 90)      # the "face": a square of its own colour
    alpha[30:70, 25:60] = 255
    rng = np.random.default_rng(3)
    same, (same_a,) = augment_photo(img, [alpha], rng, {"p_geom": 0.0, "p_degrade": 0.0})
    assert np.array_equal(same, img) and np.array_equal(same_a, alpha)
    for _ in range(5):
        out, (a,) = augment_photo(img, [alpha], rng, {"p_geom": 1.0, "deg": 30, "scale": [0.6, 0.9]})
        assert a.dtype == np.uint8 and out.shape == img.shape
        assert not np.array_equal(a, alpha)                       # it moved
        assert 0.3 < (a > 127).sum() / (alpha > 127).sum() < 0.85  # and shrank (zoomed out)
        # the label is where the face went, pixel for pixel: the picture is the label's mix of colours
        expect = 40 + (np.array([200, 120, 90]) - 40) * (a[..., None] / 255.0)
        assert np.abs(out - expect).max() <= 2
    deg, (da,) = augment_photo(img, [alpha], rng, {"p_degrade": 1.0})
    assert np.array_equal(da, alpha) and not np.array_equal(deg, img)  # degradation leaves the label


def test_pasted_hair_covers_the_face_in_the_picture_and_the_target_alike():
    """paste_hair: the donor's hair pixels replace the photo's where its hair weight is 1, the
    target and the teacher's alpha lose the face there, and elsewhere nothing changes."""
    from training.bank import paste_hair
    S = 64
    img = np.full((2, S, S, 3), 90, np.uint8)
    img[1] = (20, 10, 5)                              # photo 1: dark brown "hair" everywhere
    hair_w = np.zeros((2, S, S), np.uint8)
    hair_w[1, :20] = 255                              # photo 1's hair: the top 20 rows (a fringe)
    photos = {"img": img, "hair_w": hair_w}
    alpha = np.zeros((S, S), np.uint8)
    alpha[10:50, 16:48] = 255                         # photo 0's face reaches into the fringe's rows
    talpha, tlogvar = alpha.copy(), np.full((S, S), 77, np.uint8)
    rng = np.random.default_rng(0)
    same = paste_hair(photos, 0, img[0], [alpha, talpha, tlogvar], rng, {"p": 0.0})
    assert np.array_equal(same[0], img[0]) and same[1][0] is alpha
    out, (a, ta, lv), _ = paste_hair(photos, 0, img[0], [alpha, talpha, tlogvar], rng, {"p": 1.0, "shift": 0.0})
    assert (out[:20] == (20, 10, 5)).all() and (out[20:] == 90).all()
    assert (a[:20] == 0).all() and np.array_equal(a[20:], alpha[20:]) and np.array_equal(ta, a)
    assert np.array_equal(lv, tlogvar)
    moved, (ma, _, _), _ = paste_hair(photos, 0, img[0], [alpha, talpha, tlogvar], np.random.default_rng(5),
                                   {"p": 1.0, "shift": 0.1})
    covered = (moved == (20, 10, 5)).all(-1)
    assert 14 <= covered[:, S // 2].sum() <= 26       # the fringe moved by up to 6 rows, not wrapped
    assert not covered[40:].any() and (ma[covered] == 0).all() and (ma[10:50, 16:48][~covered[10:50, 16:48]] == 255).all()
    # with the photo's one-hot label groups after its maps: they turn to hair where the hair lands
    from training.parts import GROUPS, N_GROUPS, one_hot_u8
    index = np.where(alpha > 0, 1 + list(GROUPS).index("face"), 0).astype(np.uint8)
    groups = one_hot_u8(index)
    out, maps, _ = paste_hair(photos, 0, img[0], [alpha, talpha, tlogvar] + groups, np.random.default_rng(0),
                           {"p": 1.0, "shift": 0.0}, groups_at=3)
    assert len(maps) == 3 + N_GROUPS and np.array_equal(maps[0], a)
    after = np.stack(maps[3:]).argmax(0)
    hair = 1 + list(GROUPS).index("hair")
    assert (after[:20] == hair).all() and np.array_equal(after[20:], index[20:])
    assert (np.stack(maps[3:]).astype(int).sum(0) == 255).all()

    # the hair weight handed on to hair_shadow: the photo's own (none here) and the pasted fringe
    _, _, hair_after = paste_hair(photos, 0, img[0], [alpha], np.random.default_rng(0), {"p": 1.0, "shift": 0.0})
    assert np.allclose(hair_after[:20], 1) and not hair_after[20:].any()
    _, _, own = paste_hair(photos, 1, img[1], [alpha], rng, {"p": 0.0})
    assert np.array_equal(own, hair_w[1] / 255)


def test_hair_shadow_darkens_the_skin_just_below_the_hair_and_nothing_else():
    from training.bank import hair_shadow
    S = 64
    img = np.full((S, S, 3), 200, np.uint8)
    hair = np.zeros((S, S), np.float32)
    hair[:20] = 1                                     # a fringe over the top 20 rows
    assert hair_shadow(img, hair, np.random.default_rng(0), {"p": 0.0}) is img
    for seed in range(5):
        out = hair_shadow(img, hair, np.random.default_rng(seed), {"p": 1.0, "reach": 0.1, "depth": (0.5, 0.5)})
        luma = out[..., 0].astype(int)
        assert (out[:20] == 200).all()                # the hair itself is not shaded
        assert luma[20:24].mean() < 190               # the band under it is (a fringe's shadow)
        assert (luma[40:] == 200).all()               # and not the chin: the shadow reaches 6 px, blurred
        assert (luma[20:] >= 100).all()               # at most the drawn depth
        assert (out[..., 0] == out[..., 2]).all()     # darker, not another colour


def test_cli_mattes_are_scored_at_the_labels_resolution_with_the_oracle_beside_them(tmp_path):
    from PIL import Image
    from training.data import FACE_CLASSES, list_samples
    from training.realocc import evaluate_mattes
    root, labs = photo_root(tmp_path, 3, 96, seed=2)
    samples = list_samples(root)
    exact, hollow = tmp_path / "exact", tmp_path / "hollow"
    exact.mkdir()
    hollow.mkdir()
    for s, lb in zip(samples, labs):
        face = np.isin(lb, FACE_CLASSES)
        Image.fromarray((face * 255).astype(np.uint8)).save(exact / f"{s.name}.png")
        half = face.copy()
        half[: 48] = False                     # the top half of each face missed
        Image.fromarray((half * 255).astype(np.uint8)).save(hollow / f"{s.name}.png")
    res = evaluate_mattes({"exact": exact, "hollow": hollow}, samples, log=lambda *_: None)
    assert res["exact"]["all"]["iou"] == 1.0 and res["exact"]["all"]["sad"] == 0.0
    want = np.mean([np.isin(lb[48:], FACE_CLASSES).sum() / np.isin(lb, FACE_CLASSES).sum() for lb in labs])
    assert abs(res["hollow"]["all"]["iou"] - want) < 1e-6
    assert "oracle" in res and res["oracle"]["all"]["n"] == 3
    (hollow / f"{samples[1].name}.png").unlink()
    with pytest.raises(FileNotFoundError, match="no matte for photo"):
        evaluate_mattes({"hollow": hollow}, samples)
    Image.new("L", (48, 48)).save(hollow / f"{samples[1].name}.png")
    with pytest.raises(ValueError, match="matte is 48x48, its label map 96x96"):
        evaluate_mattes({"hollow": hollow}, samples)


def test_validation_photos_with_label_errors_are_reported_apart(tmp_path, monkeypatch):
    """'val_ok' is 'val' less the photos of val_label_errors.json; 'val' keeps them all."""
    import json
    from PIL import Image
    from training import realocc
    from training.data import FACE_CLASSES, list_samples, load_labels, split
    root, _labs = photo_root(tmp_path, 14, 96, seed=2)
    samples = list_samples(root)
    _tr, va = split(samples, 0.15, 1234)
    assert len(va) >= 2
    listed = va[0].name
    errors = tmp_path / "val_label_errors.json"
    errors.write_text(json.dumps({"about": "test", "faces": {listed: "a hand labelled skin"}}))
    monkeypatch.setattr(realocc, "VAL_LABEL_ERRORS", errors)
    mattes = tmp_path / "m"
    mattes.mkdir()
    for s in samples:  # every matte exact except the listed photo's, which is empty
        face = np.isin(load_labels(s), FACE_CLASSES) & (s.name != listed)
        Image.fromarray((face * 255).astype(np.uint8)).save(mattes / f"{s.name}.png")
    res = realocc.evaluate_mattes({"m": mattes}, samples, log=lambda *_: None)["m"]
    assert res["val"]["n"] == len(va) and res["val_ok"]["n"] == len(va) - 1
    assert res["val_ok"]["iou"] == 1.0 and res["val"]["iou"] == pytest.approx((len(va) - 1) / len(va))


def test_the_validation_label_error_list_names_validation_photos_only():
    """Each entry of the shipped list is a validation photo of the data set (when it is here)."""
    from training.data import list_samples, split
    from training.realocc import val_label_errors
    from training.utils import resolve_data_root
    try:
        root = resolve_data_root("../shared/data/celebamask-hq-1k")
    except Exception:
        pytest.skip("the CelebAMask-HQ subset is not on this machine")
    _tr, va = split(list_samples(root), 0.15, 1234)
    bad = val_label_errors()
    assert len(bad) == 5 and set(bad) <= {s.name for s in va} and all(bad.values())


def test_validation_photos_are_also_reported_by_occluder(tmp_path):
    """'val_glasses' / 'val_hair' hold the validation photos where that class covers more than 2 %
    of the face outline, each scored beside the oracle on the same photos."""
    from PIL import Image
    from training import realocc
    from training.data import FACE_CLASSES, list_samples, load_labels, split
    root, _labs = photo_root(tmp_path, 14, 96, seed=2)
    samples = list_samples(root)
    _tr, va = split(samples, 0.15, 1234)
    glasses, fringe = va[0], va[1]
    for s, cls in ((glasses, 3), (fringe, 13)):
        lb = load_labels(s)
        ys, xs = np.nonzero(np.isin(lb, FACE_CLASSES))
        h = ys.max() - ys.min()
        band = lb[ys.min() + h // 3:ys.min() + h // 2, xs.min():xs.max() + 1]
        band[np.isin(band, FACE_CLASSES)] = cls          # a band across the middle of the face covered
        Image.fromarray(lb).save(root / "masks" / f"{s.name}.png")
    mattes = tmp_path / "m"
    mattes.mkdir()
    for s in samples:  # every matte the exact visible face except the glasses photo's, which is empty
        face = np.isin(load_labels(s), FACE_CLASSES) & (s.name != glasses.name)
        Image.fromarray((face * 255).astype(np.uint8)).save(mattes / f"{s.name}.png")
    res = realocc.evaluate_mattes({"m": mattes}, samples, log=lambda *_: None)
    m, oracle = res["m"], res["oracle"]
    assert m["val_glasses"]["n"] == 1 and m["val_glasses"]["iou"] == 0.0 and m["val_glasses"]["leak"] == 0.0
    assert m["val_hair"]["n"] == 1 and m["val_hair"]["iou"] == 1.0
    assert m["val_hat"]["n"] == 0
    assert 0.6 < oracle["val_hair"]["iou"] < 0.9 and oracle["val_hair"]["leak"] == 1.0


def test_darkest_validation_picks_the_validation_photos_with_the_darkest_skin(tmp_path):
    from PIL import Image
    from training.data import list_samples, load_labels, split
    from training.realocc import darkest_validation
    root, _labs = photo_root(tmp_path, 14, 96, seed=2)
    samples = list_samples(root)
    tr, va = split(samples, 0.15, 1234)
    for s in (va[1], tr[0]):                          # a validation face and a training face darkened
        img = np.asarray(Image.open(s.image).convert("RGB")).copy()
        skin = load_labels(s) == 1
        img[skin] = img[skin] // 4
        Image.fromarray(img).save(s.image)
    picked = darkest_validation(samples, 1, size=96)
    assert [s.name for s in picked] == [va[1].name]   # the darkened training face is not a candidate
    assert {s.name for s in darkest_validation(samples, 100, size=96)} == {s.name for s in va}
