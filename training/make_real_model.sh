#!/usr/bin/env bash
# How models/camdetect-default.* (v2, "real") are made, from the repository root after `make install`.
# Needs ../shared/data (HDR maps, street backgrounds, Open Images photos). Every step resumes.
# Held out from training on purpose (false-alarm measures): street-backgrounds/opensfm and geovisio_pypi,
# street-scenes, panoramas; real-cameras-dev is evaluation only, never a background or a sprite source.
set -euo pipefail
C=.venv/bin/camdetect
D=../shared/data
SPRITES=runs/sprites/v1 CITY=runs/city/c11 CITYDS=runs/ds/c11 DS=runs/ds/real RUN=runs/train/real
TRAIN_TIME=${TRAIN_TIME:-1.2}

# 1. sprite library: 22 kinds (9 camera kinds incl. 3 ALPR designs, 13 look-alikes), 21 real HDR maps
$C render sprites --out $SPRITES --count 1400 --seed 1 --workers 2
# 2. the synthetic city (new seed: none of its panoramas were seen by the v1 model) and its truth tiles
$C synth --out $CITY --intersections 160 --seed 11 --workers 2
$C dataset build --panoramas $CITY/manifest.csv --cameras $CITY/truth/cameras.csv --tile 320 \
    --negatives-ratio 1 --out $CITYDS
# 3. composites on real backgrounds (street photos weigh 3x the Open Images photos, whose handheld
#    cameras stay unlabelled: hard negatives) + the city's tiles as they are
$C render composite --sprites $SPRITES --out $DS --tiles 4000 --seed 0 --workers 2 \
    --backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1 \
    --exclude opensfm/ --exclude geovisio_pypi/ --include $CITYDS
$C dataset check $DS
# 4. fine-tune the v1 (synthetic-city) checkpoint, 3 classes, within a wall-clock budget
$C train --config configs/train/real.yaml --time "$TRAIN_TIME"
# 5. ONNX + parity, then the real-image and synthetic-panorama evaluations
$C export $RUN --out models/camdetect-default.onnx
cp $RUN/weights/best.pt models/camdetect-default.pt
.venv/bin/python scripts/eval_real_cameras.py --model models/camdetect-default.onnx --out runs/eval/real-default
$C dataset manifest --data $CITYDS --manifest $CITY/manifest.csv --out $CITY/manifest_test.csv --split test
$C score $CITY/manifest_test.csv --model models/camdetect-default.onnx --conf 0.01 --no-progress \
    --db runs/score/c11-test/review.db --media runs/score/c11-test/media --out runs/score/c11-test
$C eval --predictions runs/score/c11-test/suggestions.jsonl --truth $CITY \
    --manifest $CITY/manifest_test.csv --out runs/eval/c11-panos
