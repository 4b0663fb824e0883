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
