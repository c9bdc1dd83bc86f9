#!/usr/bin/env bash
# v18 experiment (docs/training.md, "v18"): one class. Design C of "Type and mount: measured comparison" (one
# detector class, type from elsewhere) detected more cameras on the drawn toy city; here on real photos. The arm
# fine-tunes v2 on a one-class copy of the control's own composites (training/one_class_dataset.py: every box class 0,
# the same images, so the head keeps its weights and only the labels differ). The v9 protocol on composite seeds 21,
# 22 and 23: v2 fine-tuned EPOCHS epochs, one thread per arm, arm and control side by side, then the tables. Every step
# skips what exists. From the repository root after `make install` (~25 min per seed pair on 2 cores, + evaluation).
set -euo pipefail
source training/common.sh
city 11
[ -f runs/sprites/v1/s1_000899.json ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 \
    --no-progress > runs/logs/sprites-v1.log 2>&1
for seed in 21 22 23; do
  ds=vcomp$seed; [ "$seed" = 21 ] && ds=vcomp  # seed 21's control composites are make_v9.sh's runs/ds/vcomp
  [ -f runs/ds/$ds/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/$ds --tiles 2500 \
      --seed $seed --workers 2 "${BG[@]}" --no-progress
  [ -f runs/ds/$ds-1c/data.yaml ] || $PY training/one_class_dataset.py runs/ds/$ds runs/ds/$ds-1c
  control=v9-control-s$seed; [ "$seed" = 21 ] && control=v9-control
  v2_arm $control $ds > runs/logs/$control.log 2>&1 &
  v2_arm v18-oneclass-s$seed $ds-1c > runs/logs/v18-oneclass-s$seed.log 2>&1 &
  wait
done
ARMS=(v9-control v18-oneclass-s21 v9-control-s22 v18-oneclass-s22 v9-control-s23 v18-oneclass-s23)
$PY scripts/real_summary.py v2=runs/eval/real-v2 $(for a in "${ARMS[@]}"; do echo "$a=runs/eval/real-$a"; done) \
    --panos v2=runs/eval/c11-v2 $(for a in "${ARMS[@]}"; do echo "--panos $a=runs/eval/c11-$a"; done) --by-model \
    --paired v18-oneclass-s21:v9-control --paired v18-oneclass-s22:v9-control-s22 \
    --paired v18-oneclass-s23:v9-control-s23 --out runs/eval/v18_summary.json
