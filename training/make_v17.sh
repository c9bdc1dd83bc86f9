#!/usr/bin/env bash
# v17 experiment (docs/training.md, "v17"): composites through a simulated street camera. `render composite
# --camera-pipeline SHARE` passes that share of tiles, after pasting, through a Bayer mosaic with the sensor noise,
# demosaicing (bilinear, edge-aware or VNG) and an unsharp mask (camdetect/render/harmonise.py CameraPipeline), so a
# rendered camera gets the colour fringes and sharpening halos real objects in the photos have, on its own random
# stream (backgrounds, sprites, places and boxes as in the control). One arm against the v9 control on composite
# seed 21, run side by side on the same box (the v9 protocol: v2 fine-tuned EPOCHS epochs on 2,500 composites, one
# thread per arm), then the usual tables. Every step skips what exists. From the repository root after `make install`.
set -euo pipefail
source training/common.sh
SHARE=${SHARE:-0.5}
city 11
[ -f runs/sprites/v1/s1_000899.json ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 \
    --no-progress > runs/logs/sprites-v1.log 2>&1
for pair in "vcomp " "vcam21 --camera-pipeline $SHARE"; do  # the control's composites are make_v9.sh's (vcomp: seed 21)
  read -r ds flags <<< "$pair"
  # shellcheck disable=SC2086
  [ -f runs/ds/$ds/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/$ds --tiles 2500 \
      --seed 21 --workers 2 "${BG[@]}" $flags --no-progress
done
v2_arm v9-control vcomp > runs/logs/v9-control.log 2>&1 &
v2_arm v17-camera-s21 vcam21 > runs/logs/v17-camera-s21.log 2>&1 &
wait
[ -f runs/eval/real-v2/real_cameras.json ] || $PY scripts/eval_real_cameras.py --model models/camdetect-default.onnx \
    --out runs/eval/real-v2 --no-progress
[ -f runs/eval/c11-v2/report.json ] || training/eval_candidate.sh v2 models/camdetect-default.pt
$PY scripts/real_summary.py v2=runs/eval/real-v2 v9-control=runs/eval/real-v9-control \
    v17-camera-s21=runs/eval/real-v17-camera-s21 --panos v2=runs/eval/c11-v2 \
    --panos v9-control=runs/eval/c11-v9-control --panos v17-camera-s21=runs/eval/c11-v17-camera-s21 --by-model \
    --paired v17-camera-s21:v9-control --out runs/eval/v17_summary.json
