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
against_control v17-camera-s21 vcam21
