"""Train the FaceMat teacher (alpha + log-variance; Gaussian/beta-NLL + L1 + Laplacian).

  /usr/bin/python3 -m training.train_teacher --config training/configs/teacher.json
"""
from .train import cli

if __name__ == "__main__":
    cli("teacher")
