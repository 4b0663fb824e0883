#!/bin/bash
# Second, short GPU run: continue the student and the ablation student (same loop, same batches)
# from the first run's checkpoints with a fresh cosine schedule. Results in $OUT.
#   OUT=/tmp/out bash training/device_finetune.sh SECONDS RUN_DIR_WITH_teacher.pt_student.pt_ablation.pt [key=value ...]
set -o pipefail
OUT=${OUT:-/tmp/facemat-out}
SB=${1:-150}
SRC=${2:-training/runs/device}
shift 2 || true
EXTRA=()
for a in "$@"; do EXTRA+=(--set "$a"); done
PY=${PY:-python3}
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
NC=$(nproc)
WK=$(( NC > 3 ? NC - 2 : 1 ))
DATA=${DATA:-.data/celebamask-hq-1k}
R=${RUNS:-training/runs/device-ft}
mkdir -p "$OUT" "$R"
$PY -m training.train_student --config training/configs/student.json --teacher "$SRC/teacher.pt" --run-dir "$R" \
  --set data.root="$DATA" --set train.budget_s="$SB" --set train.workers="$WK" \
  --set init.student="$SRC/student.pt" --set init.ablation="$SRC/ablation.pt" "${EXTRA[@]}" 2>&1 | tee "$OUT/finetune.log"
tar czf "$OUT/finetune.tgz" -C "$(dirname "$R")" "$(basename "$R")"
ls -la "$OUT"
