import numpy as np

from training import metrics as M


def test_mse_sad_iou_hand_computed():
    gt = np.zeros((10, 10), np.float32)
    gt[:, :5] = 1
    pred = gt.copy()
    pred[0, 0] = 0.0      # one FN pixel
    pred[0, 9] = 0.5      # half error on a background pixel
    assert abs(M.mse(pred, gt) - (1 + 0.25) / 100) < 1e-7
    assert abs(M.sad(pred, gt) - 1.5 / 1000) < 1e-9
    # IoU at 0.5: pred positive = 49 + 1 (0.5 >= 0.5), gt = 50, inter = 49, union = 51
    assert abs(M.iou(pred, gt) - 49 / 51) < 1e-9
    assert M.iou(np.zeros((4, 4)), np.zeros((4, 4))) == 1.0


def test_grad_and_conn():
    rng = np.random.default_rng(0)
    gt = np.zeros((40, 40), np.float32)
    gt[10:30, 10:30] = 1
    assert M.grad(gt, gt) == 0 and M.conn(gt, gt) == 0
    noisy = np.clip(gt + rng.normal(0, 0.2, gt.shape), 0, 1).astype(np.float32)
    assert M.grad(noisy, gt) > 0
    # a detached blob (not connected to the main region) is penalised by Conn
    blob = gt.copy()
    blob[35:38, 35:38] = 1
    assert M.conn(blob, gt) > 0
    assert abs(M.conn(blob, gt) - 9 / 1000) < 1e-9  # each blob pixel: phi_p = 0 vs phi_g = 1


def test_uncertainty_quality_rewards_a_sigma_that_follows_the_error():
    rng = np.random.default_rng(1)
    gt = np.zeros((60, 60), np.float32)
    gt[15:45, 15:45] = 1
    pred = gt.copy()
    pred[15:45, 15:25] = 0.4                       # a wrong patch inside the face
    follows = np.full(gt.shape, 0.05, np.float32)
    follows[15:45, 15:25] = 0.5                    # sigma high exactly where the error is
    flat = np.where(gt > 0, 0.4, 0.02).astype(np.float32)   # "face or not" only
    good, bad = M.uncertainty_quality(follows, pred, gt), M.uncertainty_quality(flat, pred, gt)
    assert good["rank_corr"] > 0.8 and abs(bad["rank_corr"]) < good["rank_corr"] - 0.5
    assert abs(bad["sigma_inside"] - 0.4) < 1e-6 and bad["sigma_outline"] < 0.4
    shuffled = rng.permutation(follows.ravel()).reshape(gt.shape)
    assert abs(M.uncertainty_quality(shuffled, pred, gt)["rank_corr"]) < 0.2
    assert M.uncertainty_quality(follows, np.zeros_like(gt), np.zeros_like(gt)) is None
