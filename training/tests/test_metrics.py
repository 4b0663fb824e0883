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
