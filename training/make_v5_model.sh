#!/usr/bin/env bash
# v5 candidate: sharp close-ups. In the v2-v4 composites a paste drew any sprite at any size, so a camera pasted
# at 150 px was usually a 50-px render blown up 3x: of the cameras >= 48 px in v4's first 300 tiles, 76 % were
# enlarged > 1.25x and 50 % > 2x (up to 7.8x); real close-ups are sharp. v5 adds 500 larger renders (256 and
# 512 px frames) and pastes with --max-upscale 1.25 (a paste draws among sprites rendered at least size / 1.25).
# A control arm (v5-control) continues the same start on fresh composites of the old draw (the v1 library only,
# any sprite at any size), so the difference between the arms is the sharp close-ups, not training length.
# Both arms fine-tune the v4 candidate (training/make_v4_model.sh) side by side, one thread each, same budget.
# Run from the repository root after `make install` and training/make_v4_model.sh. Every step resumes.
set -euo pipefail
source training/v5_recipe.sh  # C, PY, D, START, BG
# 1. larger renders: every kind, 256-px frames and 40 % at 512 px (~2-5 s per sprite)
$C render sprites --out runs/sprites/hires --count 500 --seed 5 --size 256 --large-share 0.4 --workers 2
# 2. composites (seed 5): the v5 arm with the new draw, the control with the old one
[ -f runs/ds/v5/data.yaml ] || $C render composite --sprites runs/sprites/v1 --sprites runs/sprites/hires \
    --max-upscale 1.25 --out runs/ds/v5 --tiles 3000 --seed 5 --workers 1 --no-progress "${BG[@]}"
[ -f runs/ds/v5-control/data.yaml ] || $C render composite --sprites runs/sprites/v1 \
    --out runs/ds/v5-control --tiles 3000 --seed 5 --workers 1 --no-progress "${BG[@]}"
$C dataset check runs/ds/v5 && $C dataset check runs/ds/v5-control
# 3. both arms at once, one thread each, the same wall-clock budget (if stopped: the same command with --resume)
for ARM in v5 v5-control; do
    [ -f runs/train/$ARM/weights/last.pt ] || $C train --config configs/train/real.yaml --data runs/ds/$ARM \
        --weights $START --epochs 40 --time 1.5 --name $ARM --threads 1 > runs/logs/train_$ARM.log 2>&1 &
done
wait
# 4. the same evaluations as v2-v4 (both arms at once), then one table
for ARM in v5 v5-control; do training/eval_candidate.sh $ARM runs/train/$ARM > runs/logs/eval_$ARM.log 2>&1 & done
wait
$PY scripts/real_summary.py v2=runs/eval/real-default-t2 v4=runs/eval/real-v4 v5-control=runs/eval/real-v5-control \
    v5=runs/eval/real-v5 --panos v2=runs/eval/c11-panos --panos v4=runs/eval/c11-v4 \
    --panos v5-control=runs/eval/c11-v5-control --panos v5=runs/eval/c11-v5 --by-model
# 5. paired comparisons over resampled photos (v2 and v4 re-scored on the photos only: their earlier
#    evaluations predate the per-photo curves)
$PY scripts/eval_real_cameras.py --model models/camdetect-default.onnx --out runs/eval/real-v2-photos --no-street --no-progress
$PY scripts/eval_real_cameras.py --model runs/export/v4/camdetect-v4.onnx --out runs/eval/real-v4-photos --no-street --no-progress
$PY scripts/real_summary.py v2=runs/eval/real-v2-photos v4=runs/eval/real-v4-photos v5-control=runs/eval/real-v5-control \
    v5=runs/eval/real-v5 --by-model --paired v5:v5-control --paired v5:v2 --paired v5:v4 --paired v5-control:v4
