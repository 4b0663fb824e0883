"""Train the FaceMat student with uncertainty-weighted distillation from a teacher checkpoint.
By default (config "mode": "both") the ablation student (no uncertainty weighting) is trained in
the same loop on the same batches from the same initial weights.

  /usr/bin/python3 -m training.train_student --config training/configs/student.json --teacher RUN/teacher.pt
  ... --ablation        only the ablation student
  ... --weighted-only   only the uncertainty-weighted student
"""
from .train import cli

if __name__ == "__main__":
    cli("student")
