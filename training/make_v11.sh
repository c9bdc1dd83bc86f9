#!/usr/bin/env bash
# v11 experiment (docs/training.md, "v11"): background crops at the scorer's scale. The v9 control arms
# (training/make_v9.sh: v2 fine-tuned EPOCHS epochs on 2,500 composites of seeds 21, 22, 23 from runs/sprites/v1)
# against the same recipe on composites built with --native-share 0.5, the one change: half the background crops
# are one tile of photo pixels (as the scorer's native tiles see a street) instead of a crop of tile .. short side
# shrunk to the tile, so real lamps, windows and holes are seen as negatives at the sizes pasted cameras have.
# One thread per arm, two arms side by side. Every step skips what exists. Run from the repository root after
# `make install` and training/make_v9.sh's sprites and control arms (~1 h on 2 cores beyond them).
set -euo pipefail
source training/common.sh
SHARE=${SHARE:-0.5}
[ -d runs/sprites/v1 ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
for seed in 21 22 23; do  # ~1 min each
  [ -f runs/ds/vnat$seed/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/vnat$seed \
      --tiles 2500 --seed $seed --workers 2 "${BG[@]}" --native-share "$SHARE" --no-progress
done
v2_arm v11-native-s21 vnat21 > runs/logs/v11-native-s21.log 2>&1 &
v2_arm v11-native-s22 vnat22 > runs/logs/v11-native-s22.log 2>&1 &
wait
v2_arm v11-native-s23 vnat23 > runs/logs/v11-native-s23.log 2>&1
ARMS=(v9-control v11-native-s21 v9-control-s22 v11-native-s22 v9-control-s23 v11-native-s23)
$PY scripts/real_summary.py v2=runs/eval/real-v2 $(for a in "${ARMS[@]}"; do echo "$a=runs/eval/real-$a"; done) \
    --panos v2=runs/eval/c11-v2 $(for a in "${ARMS[@]}"; do echo "--panos $a=runs/eval/c11-$a"; done) --by-model \
    --paired v9-control:v11-native-s21 --paired v9-control-s22:v11-native-s22 --paired v9-control-s23:v11-native-s23
