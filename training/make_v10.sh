#!/usr/bin/env bash
# v10 experiment (docs/training.md, "v10"): poles and mast arms carried on to the tile edge. The v9 control arms
# (training/make_v9.sh: v2 fine-tuned EPOCHS epochs on 2,500 composites of seeds 21, 22, 23 from runs/sprites/v1)
# against the same recipe on composites built with --continue-mounts, the one change: a structure the sprite's frame
# cuts runs on to the tile's edge instead of fading out in mid-air. One thread per arm, two arms side by side.
# Every step skips what exists. Run from the repository root after `make install` and training/make_v9.sh's
# sprites, composites and control arms (~1 h on 2 cores beyond them).
set -euo pipefail
source training/common.sh
[ -d runs/sprites/v1 ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
for seed in 21 22 23; do  # ~1 min each
  [ -f runs/ds/vcont$seed/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/vcont$seed \
      --tiles 2500 --seed $seed --workers 2 "${BG[@]}" --continue-mounts --no-progress
done
v2_arm v10-cont-s21 vcont21 > runs/logs/v10-cont-s21.log 2>&1 &
v2_arm v10-cont-s22 vcont22 > runs/logs/v10-cont-s22.log 2>&1 &
wait
v2_arm v10-cont-s23 vcont23 > runs/logs/v10-cont-s23.log 2>&1
ARMS=(v9-control v10-cont-s21 v9-control-s22 v10-cont-s22 v9-control-s23 v10-cont-s23)
$PY scripts/real_summary.py v2=runs/eval/real-v2 $(for a in "${ARMS[@]}"; do echo "$a=runs/eval/real-$a"; done) \
    --panos v2=runs/eval/c11-v2 $(for a in "${ARMS[@]}"; do echo "--panos $a=runs/eval/c11-$a"; done) --by-model \
    --paired v9-control:v10-cont-s21 --paired v9-control-s22:v10-cont-s22 --paired v9-control-s23:v10-cont-s23
