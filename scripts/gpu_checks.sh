#!/usr/bin/env bash
# GPU checks for the simulation layer, meant for a machine with a CUDA device (a few minutes):
#   1. the simulator's GPU tests: batched engine on cuda == cpu / fast / reference (float64, 1e-10);
#   2. the benchmark, quick: single-trajectory numbers on this machine's CPU, then the batched-engine
#      throughput sweep (1..256 initialisations) on cuda.
# Without a CUDA device it says so and exits 0 (nothing to check). Exit status: 0 when every step
# passed, otherwise the first failing step's status.
#
#   bash scripts/gpu_checks.sh                 # from anywhere; runs in the repository root
#   GPU_CHECKS_JSON=out.json bash scripts/gpu_checks.sh   # also keep the benchmark numbers
#   GPU_CHECKS_DRY_RUN=1 bash scripts/gpu_checks.sh      # no GPU: exercise the script on the cpu
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
PY="${PYTHON:-python}"

DEVICE=cuda
if [ -n "${GPU_CHECKS_DRY_RUN:-}" ]; then
    echo "gpu_checks: dry run on the cpu (GPU tests will skip; benchmark sweep on cpu)"
    DEVICE=cpu
elif ! "$PY" - <<'PYEOF'
import sys
try:
    import torch
except Exception as exc:  # torch missing or broken: nothing GPU-related can run
    print(f"gpu_checks: cannot import torch ({exc}); skipping")
    sys.exit(1)
if not torch.cuda.is_available():
    print("gpu_checks: torch sees no CUDA device; skipping (nothing to check on this machine)")
    sys.exit(1)
print(f"gpu_checks: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
PYEOF
then
    exit 0
fi

status=0
start=$(date +%s)

echo "== [1/2] pytest -m gpu tests/sim"
timeout 240 "$PY" -m pytest -m gpu tests/sim -p no:cacheprovider -p no:randomly -q -rs
rc=$?
[ $rc -ne 0 ] && echo "gpu_checks: GPU tests failed (status $rc)" && [ $status -eq 0 ] && status=$rc

echo "== [2/2] python bench/benchmark.py --device $DEVICE --quick"
bench_args=(--device "$DEVICE" --quick)
[ -n "${GPU_CHECKS_JSON:-}" ] && bench_args+=(--json "$GPU_CHECKS_JSON")
timeout 180 "$PY" bench/benchmark.py "${bench_args[@]}"
rc=$?
[ $rc -ne 0 ] && echo "gpu_checks: benchmark failed (status $rc)" && [ $status -eq 0 ] && status=$rc

echo "gpu_checks: done in $(( $(date +%s) - start )) s, status $status"
exit $status
