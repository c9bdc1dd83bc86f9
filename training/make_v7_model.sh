#!/usr/bin/env bash
# v7 candidate: real confusers as hard negatives. v5-control's false alarms on real street photos were wall-pack
# lights, balcony undersides, plaques, pipe bends, lamp heads, car wheels: real objects that rendered look-alikes
# only approximate. The street photos the composites use as backgrounds hold such objects, but a random crop
# shows any one of them rarely. v7 mines the false alarms of v4 (the start) and v5-control on the 74 *training*
# backgrounds (never the held-out opensfm/ and geovisio_pypi/ folders), drops the three that might be cameras
# after looking at every one, and crops 30 % of the composite tiles around one of them (--hard-negatives).
# Everything else is v5-control's (training/make_v5_model.sh): the v1 library with the old draw, composites
# seed 5 (3,000 tiles), the same backgrounds and city tiles, the v4 start, one thread, 15 epochs. Compare with
# v5-control and v6. Run from the repository root after `make install` and training/make_v5_model.sh. Resumes.
set -euo pipefail
source training/v5_recipe.sh  # C, PY, D, START, BG
# 1. mine (~5 min): every box >= 0.1 of either model on the 74 training street photos -> 176 negatives + a sheet
[ -f runs/hardneg/v4v5c.csv ] || $C render mine-negatives --model runs/export/v4/camdetect-v4.onnx \
    --model runs/export/v5-control/camdetect-v5-control.onnx --backgrounds $D/street-backgrounds \
    --exclude opensfm/ --exclude geovisio_pypi/ --conf 0.1 --out runs/hardneg/v4v5c.csv --no-progress
# 2. looked at all 176 (runs/hardneg/v4v5c.png + the rest by hand): three small things on poles and a sign top
#    could be cameras at this resolution, so they are not negatives
$PY training/drop_maybe_cameras.py runs/hardneg/v4v5c.csv runs/hardneg/v4v5c-reviewed.csv  # drops 3 of 176
# 3. composites: v5-control's, with 30 % of tiles cropped around a hard negative
[ -f runs/ds/v7/data.yaml ] || $C render composite --sprites runs/sprites/v1 --hard-negatives runs/hardneg/v4v5c-reviewed.csv \
    --hard-share 0.3 --out runs/ds/v7 --tiles 3000 --seed 5 --workers 1 --no-progress "${BG[@]}"
$C dataset check runs/ds/v7
# 4. fine-tune (if stopped: the same command with --resume)
[ -f runs/train/v7/weights/last.pt ] || $C train --config configs/train/real.yaml --data runs/ds/v7 \
    --weights $START --epochs 15 --name v7 --threads 1 > runs/logs/train_v7.log 2>&1
# 5. the same evaluations as v2-v6, one table, paired comparisons over resampled photos
training/eval_candidate.sh v7 runs/train/v7 > runs/logs/eval_v7.log 2>&1
$PY scripts/real_summary.py v2=runs/eval/real-default-t2 v4=runs/eval/real-v4 v5-control=runs/eval/real-v5-control \
    v6=runs/eval/real-v6 v7=runs/eval/real-v7 --panos v2=runs/eval/c11-panos --panos v4=runs/eval/c11-v4 \
    --panos v5-control=runs/eval/c11-v5-control --panos v6=runs/eval/c11-v6 --panos v7=runs/eval/c11-v7 --by-model
$PY scripts/real_summary.py v2=runs/eval/real-v2-photos v4=runs/eval/real-v4-photos v5-control=runs/eval/real-v5-control \
    v6=runs/eval/real-v6 v7=runs/eval/real-v7 --by-model --paired v7:v5-control --paired v7:v6 --paired v7:v2
