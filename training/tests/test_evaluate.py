"""Evaluation helpers."""
import torch

from test_export import _randomised_student
from training.evaluate import FlipAveraged


def test_flip_averaging_is_mirror_equivariant_and_averages_both_passes():
    net = _randomised_student()
    torch.manual_seed(3)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        avg = FlipAveraged(net)(x)[0]
        avg_of_mirror = FlipAveraged(net)(x.flip(-1))[0]
        plain, mirrored = net(x)[0], net(x.flip(-1))[0].flip(-1)
    assert torch.allclose(avg, avg_of_mirror.flip(-1), atol=1e-6)
    assert torch.allclose(avg, (plain + mirrored) / 2, atol=1e-6)
    assert float((plain - mirrored).abs().max()) > 1e-3, "the test network should not be symmetric already"


def test_table_has_a_column_per_metric_and_model_and_a_row_per_type():
    from training.evaluate import BASELINE, table
    cell = lambda v: {"iou": v, "sad": 2 * v, "mse": v / 10, "grad": 0.5, "conn": 3.0, "n": 4}
    res = {"types": ["clean", "hand"], "models": {
        "student": {"clean": cell(0.9), "hand": cell(0.7), "occluded (all types)": cell(0.7)},
        BASELINE: {"clean": cell(1.0), "hand": cell(0.6), "occluded (all types)": cell(0.6)}}}
    lines = table(res).splitlines()
    assert lines[0] == f"Models: S = student, B = {BASELINE}"
    assert lines[2] == "| type | n | IoU S | IoU B | SAD S | SAD B | MSE S | MSE B |"
    assert lines[3] == "|---|---|---|---|---|---|---|---|"
    assert lines[5] == "| hand | 4 | 0.700 | 0.600 | 1.40 | 1.20 | 0.0700 | 0.0600 |"
    assert lines[6].startswith("| occluded (all types) | 4 | 0.700")
    assert lines[8] == "| type | Grad S | Grad B | Conn S | Conn B |"
    assert len(lines) == 13


def test_evaluate_scores_the_own_uncertainty_of_networks_that_have_one():
    from training.evaluate import BASELINE, evaluate, table
    from training.utils import REPO_ROOT, load_config
    cfg = load_config(REPO_ROOT / "training" / "configs" / "eval.json",
                      ["size=64", "data.synthetic=6", "n_faces=2", "batch=8", "loader_workers=0"])
    net = _randomised_student()
    res = evaluate(cfg, {"student": net, "student-flip": FlipAveraged(net)}, log=lambda *_: None, workers=1)
    assert set(res["uncertainty"]) == {"student"}       # the flip average and the baseline have no sigma
    for group, u in res["uncertainty"]["student"].items():
        assert group in ("clean", "occluded (all types)") and u["n"] > 0
        assert -1 <= u["rank_corr"] <= 1 and u["sigma_inside"] > 0 and u["sigma_outline"] > 0
    text = table(res)
    assert "| student (clean) |" in text and BASELINE in text


class _Probe(torch.nn.Module):
    """alpha = 0.5 + the mean of channel 0 over the whole input (a view's fingerprint): face
    everywhere, so the zoomed view centres on the view."""

    def forward(self, x):
        n = x.shape[-1]
        return (0.5 + x[:, :1].mean(dim=(2, 3), keepdim=True).expand(-1, -1, n, n),)


def test_zoom_view_averages_the_zoomed_view_in_where_it_covers_and_leaves_the_rest():
    from training.evaluate import ZOOM_VIEW_SIDE, ZoomViewAveraged
    n = 128
    x = torch.zeros(1, 3, n, n)
    x[:, 0, 40:88, 40:88] = 0.9                       # bright middle: the zoomed view's mean is higher
    with torch.no_grad():
        out = ZoomViewAveraged(_Probe(), 64)(x)[0][0, 0]
    side = round(ZOOM_VIEW_SIDE * n)
    whole, centre = float(out[0, 0]), float(out[n // 2, n // 2])
    assert abs(whole - 0.5 - float(x[0, 0].mean())) < 0.02, "outside the zoomed view: the whole picture's matte"
    zoomed = 2 * centre - whole                        # the centre weighs both views alike
    assert zoomed > whole + 0.05, "the zoomed view sees more of the bright middle"
    assert torch.allclose(out[:, 0], out[0, 0].expand(n)), "the left column is outside the zoomed view"
    row = out[n // 2, :n // 2]
    assert bool((row[1:] >= row[:-1] - 1e-6).all()), "the weight rises monotonically towards the centre"
    assert side < n


def test_zoom_view_of_a_constant_network_is_that_constant():
    from training.evaluate import ZoomViewAveraged

    class Const(torch.nn.Module):
        def forward(self, x):
            return (torch.full((x.shape[0], 1, x.shape[2], x.shape[3]), 0.7),)
    with torch.no_grad():
        out = ZoomViewAveraged(Const(), 32)(torch.randn(2, 3, 64, 64))[0]
    assert out.shape == (2, 1, 64, 64)
    assert torch.allclose(out, torch.full_like(out, 0.7), atol=1e-6)


def test_zoom_view_off_is_the_mirror_average_of_the_whole_picture_at_the_network_size():
    from training.evaluate import FlipAveraged, ZoomViewAveraged
    net = _randomised_student()
    torch.manual_seed(4)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        one = ZoomViewAveraged(net, 64, zoom=False, face_crop=False)(x)[0]
        assert torch.allclose(one, FlipAveraged(net)(x)[0], atol=1e-5)


def test_zoom_view_mattes_a_small_face_on_its_face_crop_and_zeroes_the_rest():
    from training.evaluate import ZoomViewAveraged

    class Blob(torch.nn.Module):
        """Face where channel 0 is bright: the picture's own bright square, at any view."""
        def forward(self, x):
            return ((x[:, :1] > 0.5).float(),)
    n = 128
    x = torch.zeros(1, 3, n, n)
    x[:, 0, 50:70, 40:60] = 1.0                        # a face 20 px high: under a quarter of the picture
    with torch.no_grad():
        cropped = ZoomViewAveraged(Blob(), 32, zoom=False)(x)[0][0, 0]
        whole = ZoomViewAveraged(Blob(), 32, zoom=False, face_crop=False)(x)[0][0, 0]
        zoomed = ZoomViewAveraged(Blob(), 32)(x)[0][0, 0]
    truth = x[0, 0] > 0.5
    iou = lambda a: float(((a >= 0.5) & truth).sum() / ((a >= 0.5) | truth).sum())
    assert iou(cropped) > iou(whole) and iou(cropped) > 0.9, (iou(cropped), iou(whole))
    assert float(cropped[0, 127]) == 0 and float(cropped[127, 0]) == 0, "outside the crop the matte is 0"
    assert iou(zoomed) > 0.9
