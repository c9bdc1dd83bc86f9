#!/usr/bin/env bash
# v6 candidate: look-alikes as they appear in real streets. v5-control's false alarms on held-out real street
# views were small, distant things (pipe bends and clamps, balcony undersides, round wall plaques and lamps, a
# bollard top, roof vents, a line insulator), while its composites pasted look-alikes 2-4x a camera's *pixel*
# size, often filling the tile (lamp globes and slabs up to 480 px on a 320-px tile). v6 changes only the
# look-alikes: 1,100 new renders of every look-alike kind including six new ones (downpipe, balcony, plaque,
# bollard, roof_vent, insulator), pasted true to size in metres next to the cameras (--lookalike-size true).
# Everything else is v5-control's: the v1 camera sprites, composites seed 5 (3,000 tiles), the same backgrounds
# and city tiles, the same start (the v4 candidate), one thread, and the 15 epochs v5-control's 1.5 h budget
# came to (fixed here, so a busier box costs time, not epochs). Compare with v5-control
# (training/make_v5_model.sh). Run from the repository root after `make install` and training/make_v5_model.sh.
# Every step resumes.
set -euo pipefail
source training/v5_recipe.sh  # C, PY, D, START, BG
# 1. every look-alike kind, rendered with its frame's size in metres (~0.25 s per sprite)
$C render sprites --out runs/sprites/decoys6 --count 1100 --seed 6 --decoy-share 1.0 --workers 1 --no-progress
# 2. composites (seed 5, as v5-control): v1's cameras, the new look-alikes true to size (v1's look-alikes store no
#    size in metres, so --lookalike-size true leaves them out)
[ -f runs/ds/v6/data.yaml ] || $C render composite --sprites runs/sprites/v1 --sprites runs/sprites/decoys6 \
    --lookalike-size true --out runs/ds/v6 --tiles 3000 --seed 5 --workers 1 --no-progress "${BG[@]}"
$C dataset check runs/ds/v6
# 3. fine-tune (if stopped: the same command with --resume)
[ -f runs/train/v6/weights/last.pt ] || $C train --config configs/train/real.yaml --data runs/ds/v6 \
    --weights $START --epochs 15 --name v6 --threads 1 > runs/logs/train_v6.log 2>&1
# 4. the same evaluations as v2-v5, one table, paired comparisons over resampled photos
training/eval_candidate.sh v6 runs/train/v6 > runs/logs/eval_v6.log 2>&1
$PY scripts/real_summary.py v2=runs/eval/real-default-t2 v4=runs/eval/real-v4 v5-control=runs/eval/real-v5-control \
    v6=runs/eval/real-v6 --panos v2=runs/eval/c11-panos --panos v4=runs/eval/c11-v4 \
    --panos v5-control=runs/eval/c11-v5-control --panos v6=runs/eval/c11-v6 --by-model
$PY scripts/real_summary.py v2=runs/eval/real-v2-photos v4=runs/eval/real-v4-photos v5-control=runs/eval/real-v5-control \
    v6=runs/eval/real-v6 --by-model --paired v6:v5-control --paired v6:v2 --paired v6:v4
