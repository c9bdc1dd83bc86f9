#!/usr/bin/env bash
# The evaluations every default-model candidate gets (docs/training.md): ONNX + parity, the real photos and
# street views (scripts/eval_real_cameras.py), and the held-out panoramas of the synthetic city c11 (scored
# with --layout tiles, the layout every earlier candidate was measured with).
# Usage, from the repository root: training/eval_candidate.sh NAME RUN_DIR
#   -> runs/export/NAME/camdetect-NAME.onnx, runs/eval/real-NAME, runs/score/c11-NAME, runs/eval/c11-NAME
set -euo pipefail
NAME=$1 RUN=$2
source training/common.sh
city 11  # built from its seed when runs/ is new
CITY=runs/city/c11
ONNX=runs/export/$NAME/camdetect-$NAME.onnx
$C export "$RUN" --out "$ONNX" --tile 320
.venv/bin/python scripts/eval_real_cameras.py --model "$ONNX" --out "runs/eval/real-$NAME" --no-progress
rm -rf "runs/score/c11-$NAME"
$C score $CITY/manifest_test.csv --model "$ONNX" --conf 0.01 --no-progress --layout tiles \
    --db "runs/score/c11-$NAME/review.db" --media "runs/score/c11-$NAME/media" --out "runs/score/c11-$NAME"
$C eval --predictions "runs/score/c11-$NAME/suggestions.jsonl" --truth $CITY --manifest $CITY/manifest_test.csv \
    --out "runs/eval/c11-$NAME"
