#!/bin/bash
# One time-boxed GPU run: teacher -> student + ablation (same loop) -> their heads refitted ->
# evaluation -> ONNX export -> GPU latency. Everything lands in $OUT (<= 8 files). Steps continue
# after a failure so that whatever was produced comes back.
#   OUT=/tmp/out bash training/device_run.sh TEACHER_SECONDS STUDENT_SECONDS [key=value ...]
# FROM=DIR continues all three networks from DIR/teacher.pt, DIR/student.pt and DIR/ablation.pt
# (a previous run's, carried in an ignored folder) instead of starting from random weights: a
# device session is short, so successive sessions add up only if each one continues the last.
# Carry .data/celebamask-hq-1k and .data/hand-assets/generic-hand (200 kB: the teacher's mix renders
# 3-D hands, and a machine without network cannot fetch the meshes); without the meshes it stops
# before any device time goes to training.
set -o pipefail
OUT=${OUT:-/tmp/facemat-out}
TB=${1:-200}
SB=${2:-180}
shift 2 || true
EXTRA=()   # remaining args: key=value overrides for both trainings (data.* also for evaluation)
EV=()
for a in "$@"; do EXTRA+=(--set "$a"); case "$a" in data.*|synth.*|n_faces=*) EV+=(--set "$a");; esac; done
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
R=${RUNS:-training/runs/device}
mkdir -p "$OUT" "$R"
NC=$(nproc)
WK=$(( NC > 3 ? NC - 2 : 1 ))
DATA=${DATA:-.data/celebamask-hq-1k}
$PY -c "from training.synth.hand3d import require_assets; require_assets()" || exit 2
TINIT=()
SINIT=()
if [ -n "$FROM" ]; then
  TINIT=(--set init.teacher="$FROM/teacher.pt")
  SINIT=(--set init.student="$FROM/student.pt" --set init.ablation="$FROM/ablation.pt")
fi
T0=$(date +%s)
{ echo "git: ${FACEMAT_GIT_COMMIT:-unknown}"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1;
  $PY -c "import torch, numpy, PIL, scipy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__, 'PIL', PIL.__version__)"; echo "cpus $NC workers $WK"; } > "$R/env.txt" 2>&1
cat "$R/env.txt"
$PY -m training.train_teacher --config training/configs/teacher.json --run-dir "$R/teacher" \
  --set data.root="$DATA" --set train.budget_s="$TB" --set train.workers="$WK" "${TINIT[@]}" "${EXTRA[@]}" 2>&1 | tee "$OUT/teacher.log"
echo "teacher finished at $(( $(date +%s) - T0 ))s"
cp "$R/teacher/teacher.pt" "$OUT/teacher.pt" 2>/dev/null
$PY -m training.train_student --config training/configs/student.json --teacher "$R/teacher/teacher.pt" --run-dir "$R/student" \
  --set data.root="$DATA" --set train.budget_s="$SB" --set train.workers="$WK" "${SINIT[@]}" "${EXTRA[@]}" 2>&1 | tee "$OUT/student.log"
echo "students finished at $(( $(date +%s) - T0 ))s"
# the last step of student training: both students' heads refitted on their frozen features
$PY -m training.refit_heads --config training/configs/student.json --teacher "$R/teacher/teacher.pt" \
  --ckpt "$R/student/student.pt" --ckpt "$R/student/ablation.pt" --out "$R/refit" \
  --set data.root="$DATA" --set train.workers="$WK" "${EXTRA[@]}" 2>&1 | tail -20
echo "heads refitted at $(( $(date +%s) - T0 ))s"
tar czf "$OUT/students.tgz" -C "$R" student refit 2>/dev/null
$PY -m training.evaluate --teacher "$R/teacher/teacher.pt" --student "$R/refit/student.pt" --ablation "$R/refit/ablation.pt" \
  --out "$R/eval" --workers "$NC" --set data.root="$DATA" --set loader_workers="$WK" "${EV[@]}" 2>&1 | tee "$OUT/eval.log"
echo "eval finished at $(( $(date +%s) - T0 ))s"
mkdir -p "$R/export"
$PY -m training.export --ckpt "$R/refit/student.pt" --out "$R/export" --no-parity --no-bench --data-root "$DATA" 2>&1 | tail -20
$PY -m training.bench_gpu --ckpt "$R/refit/student.pt" --onnx "$R/export/facemat-student.onnx" > "$R/gpu_latency.json" 2> "$R/bench_gpu.err"
cat "$R/gpu_latency.json"
echo "all done at $(( $(date +%s) - T0 ))s" | tee -a "$R/env.txt"
tar czf "$OUT/runs.tgz" --exclude='*.pt' -C "$(dirname "$R")" "$(basename "$R")"
ls -la "$OUT"
