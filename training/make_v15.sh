#!/usr/bin/env bash
# v15 experiment (docs/training.md, "v15"): weathered sprites. `render sprites --weathering SHARE` gives that share
# of a library dirt (grime maps over the painted and plastic parts, camdetect/render/materials.py weather) from its
# own random stream, so each weathered sprite has the same model, view and box as its clean twin in runs/sprites/v1.
# Never measured by the detector before. One arm against the v9 control on composite seed 21 (the v9 protocol: v2
# fine-tuned EPOCHS epochs on 2,500 composites, one thread per arm, the two side by side), then the v9 tables.
# Every step skips what exists. Run from the repository root after `make install` (~40 min on 2 cores).
set -euo pipefail
source training/common.sh
SHARE=${SHARE:-0.5}
city 11
[ -f runs/sprites/v1/s1_000899.json ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 1 \
    --no-progress > runs/logs/sprites-v1.log 2>&1 &
[ -f runs/sprites/v1w/s1_000899.json ] || $C render sprites --out runs/sprites/v1w --count 900 --seed 1 --workers 1 \
    --weathering "$SHARE" --no-progress > runs/logs/sprites-v1w.log 2>&1 &
wait
for pair in "v1 vcomp" "v1w vweath21"; do  # the control's composites are make_v9.sh's (vcomp: seed 21)
  read -r lib ds <<< "$pair"
  [ -f runs/ds/$ds/data.yaml ] || $C render composite --sprites runs/sprites/$lib --out runs/ds/$ds --tiles 2500 \
      --seed 21 --workers 2 "${BG[@]}" --no-progress
done
against_control v15-weathered-s21 vweath21
