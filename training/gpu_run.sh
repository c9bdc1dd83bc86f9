#!/usr/bin/env bash
# One GPU lease (docs/training.md "A GPU lease"): on a machine with one CUDA GPU and many cores, rebuild the data
# from .devdata/ (training/gpu_payload.py) and train two default-model candidates side by side for a wall-clock
# budget, writing what comes back under $OUT:
#   gpu-n: camdetect-p2 at scale n (1.94 M parameters) from scratch (as the CPU "wide" run);
#   gpu-t: camdetect-p2 at scale t (v2's 262 k network and cost) fine-tuned from the city model (as v2).
# Data: 10,000 composites (seed 41) of the sprite library on the street photos only (the ablation's "street-only"
# row: Open Images off), plus the truth tiles of cities c11 and c12 rebuilt from their seeds with this checkout's
# split tables. Run from the repository root there; END (seconds after start, default 540) is when everything,
# copies included, must be done; ARMS (default "gpu-n gpu-t") picks the runs: the loader workers are shared out
# among them (the 2026-12-04 lease: two side by side, ~30 s per epoch each; one alone gets all the cores).
# Dry run on a CPU box: DEVICE=cpu TILES=60 END=400 PY=.venv/bin/python NOPIP=1.
set -euo pipefail
T0=$(date +%s)
END=${END:-540}
TILES=${TILES:-10000}
DEVICE=${DEVICE:-0}
PY=${PY:-python3}
OUT=${OUT:-runs/gpu-out}
read -r -a ARM_LIST <<< "${ARMS:-gpu-n gpu-t}"
WORKERS=$(( ($(nproc) - 2) / ${#ARM_LIST[@]} ))
WORKERS=$(( WORKERS > 1 ? WORKERS : 1 ))
mkdir -p "$OUT" runs/logs
LOG=$OUT/log.txt
say() { echo "[$(( $(date +%s) - T0 )) s] $*" | tee -a "$LOG"; }
if [ -z "${NOPIP:-}" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD:$PWD/training/device
fi
export YOLO_OFFLINE=1 YOLO_AUTOINSTALL=0 YOLO_CONFIG_DIR=$PWD/.camdetect/yolo PYTHONUNBUFFERED=1
C="$PY -m camdetect.cli"
say "start: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo no GPU), $(nproc) cores"
$PY training/gpu_payload.py --unpack-sprites .devdata/sprites --to runs/sprites/gpu
say "sprites unpacked: $(ls runs/sprites/gpu/*.png | wc -l)"
CITY=()
rm -rf runs/ds/gpu runs/train/gpu-n runs/train/gpu-t
for city in 11 12; do
  [ -f runs/ds/c$city/data.yaml ] || ( $C synth --out runs/city/c$city --intersections 160 --seed $city --workers $(( $(nproc) / 2 )) \
    && $C dataset build --panoramas runs/city/c$city/manifest.csv --cameras runs/city/c$city/truth/cameras.csv \
       --tile 320 --negatives-ratio 1 --out runs/ds/c$city --splits-from .devdata/splits/c$city \
    && cmp runs/ds/c$city/splits.csv .devdata/splits/c$city/splits.csv ) > runs/logs/c$city.log 2>&1 &
  CITY+=($!)
done
for p in "${CITY[@]}"; do wait "$p" || { tail -n 5 runs/logs/c*.log; exit 1; }; done
say "cities built; splits identical to this checkout's"
$C render composite --sprites runs/sprites/gpu --out runs/ds/gpu --tiles "$TILES" --seed 41 --workers "$(nproc)" \
    --backgrounds .devdata/street=1 --include runs/ds/c11 --include runs/ds/c12 --no-progress > runs/logs/composite.log 2>&1 \
    || { tail -n 5 runs/logs/composite.log; exit 1; }
say "composites: $(tail -1 runs/logs/composite.log)"
HOURS=$($PY -c "import time; print(round(max(0.01, ($T0 + $END - 75 - time.time()) / 3600), 4))")
say "training ${ARM_LIST[*]} for $HOURS h each, $WORKERS loader workers each"
PIDS=()
for r in "${ARM_LIST[@]}"; do
  case $r in  # gpu-n: the wide network from scratch (200 planned epochs); gpu-t: v2's, from the city model
    gpu-n) ARGS=(--weights "" --model-scale n --epochs 200) ;;
    gpu-t) ARGS=(--epochs 20) ;;
    *) echo "ARMS: unknown run $r (gpu-n, gpu-t)"; exit 2 ;;
  esac
  $C train --config configs/train/real-gpu.yaml --data runs/ds/gpu "${ARGS[@]}" --name "$r" --time "$HOURS" \
      --device "$DEVICE" --workers "$WORKERS" > "runs/logs/$r.log" 2>&1 &
  PIDS+=($!)
done
copy() {
  for r in "${ARM_LIST[@]}"; do
    mkdir -p "$OUT/$r"
    [ -f runs/train/$r/weights/best.pt ] && cp runs/train/$r/weights/best.pt "$OUT/$r/best.pt.tmp" \
      && mv "$OUT/$r/best.pt.tmp" "$OUT/$r/best.pt"
    [ -f runs/train/$r/results.csv ] && cp runs/train/$r/results.csv "$OUT/$r/results.csv"
  done
  return 0
}
running() { for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do sleep 20; copy; done
for p in "${PIDS[@]}"; do wait "$p" || say "a training run failed (exit $?): see its log below"; done
copy
say "done: $(for r in "${ARM_LIST[@]}"; do echo "$r $(tail -1 "runs/logs/$r.log")"; done | tr '\n' ' ')"
for r in "${ARM_LIST[@]}"; do tail -n 5 "runs/logs/$r.log" >> "$LOG"; done
cp runs/ds/gpu/card.md "$OUT/composites_card.md" 2>/dev/null || true
