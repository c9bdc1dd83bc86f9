#!/usr/bin/env bash
# A wider default-model candidate trained from scratch (issue 11: capacity, the suspect no run has tested):
# camdetect-p2 at scale n (width 0.25, ~4x the 262 k parameters of scale t, the shipped v2) on the v9-control
# data recipe (rendered cameras on real street photos + Open Images photos, look-alikes, harmonisation) at a
# larger draw, plus the truth tiles of two synthetic cities (c11 as v2, and c12, so the city is 1 in ~5 images).
# It spans working sessions: every step skips what exists, and training resumes from runs/train/wide/weights/last.pt,
# restored from models/camdetect-wide-last.pt when runs/ is gone (the datasets rebuild byte for byte from seeds).
# At the end of a session: cp runs/train/wide/weights/last.pt models/camdetect-wide-last.pt and commit.
# Run from the repository root after `make install`. THREADS (default 2) torch threads.
set -euo pipefail
C=.venv/bin/camdetect
D=../shared/data
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-40}
mkdir -p runs/logs
BG=(--backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1 --exclude opensfm/
    --exclude geovisio_pypi/)
[ -d runs/sprites/v1 ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
for city in 11 12; do  # two synthetic cities' truth tiles (c11's test split stays held out for eval_candidate.sh)
  [ -f runs/city/c$city/manifest.csv ] || $C synth --out runs/city/c$city --intersections 160 --seed $city --workers 2
  [ -f runs/ds/c$city/data.yaml ] || $C dataset build --panoramas runs/city/c$city/manifest.csv \
      --cameras runs/city/c$city/truth/cameras.csv --tile 320 --negatives-ratio 1 --out runs/ds/c$city
done
[ -f runs/city/c11/manifest_test.csv ] || $C dataset manifest --data runs/ds/c11 --manifest runs/city/c11/manifest.csv \
    --out runs/city/c11/manifest_test.csv --split test
[ -f runs/ds/wide/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/wide --tiles 5000 \
    --seed 31 --workers 2 "${BG[@]}" --include runs/ds/c11 --include runs/ds/c12 --no-progress
if [ ! -f runs/train/wide/weights/last.pt ] && [ -f models/camdetect-wide-last.pt ]; then
  mkdir -p runs/train/wide/weights && cp models/camdetect-wide-last.pt runs/train/wide/weights/last.pt
fi
if [ -f runs/train/wide/weights/last.pt ]; then
  $C train --config configs/train/real.yaml --data runs/ds/wide --name wide --resume --threads "$THREADS"
else
  $C train --config configs/train/real.yaml --data runs/ds/wide --weights "" --model-scale n --epochs "$EPOCHS" \
      --name wide --threads "$THREADS"
fi
training/eval_candidate.sh wide runs/train/wide
