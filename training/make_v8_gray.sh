#!/usr/bin/env bash
# v8 experiment (docs/training.md, "v8: grey input"): do the renders' colour statistics carry the "rendered = camera"
# shortcut? Two arms fine-tune the shipped v2 (models/camdetect-default.pt) for EPOCHS epochs on the same 2,500
# composites (runs/ds/vcomp, made for the verifier: `camdetect render composite --sprites runs/sprites/v1 --out
# runs/ds/vcomp --tiles 2500 --seed 21 ...`, training/make_verifier.sh): one on them as they are, one on grey
# copies (training/gray_dataset.py); the grey model is evaluated on grey images (eval_real_cameras.py --gray).
# The two arms train side by side, one thread each. Every step skips what exists.
set -euo pipefail
C=.venv/bin/camdetect
PY=.venv/bin/python
EPOCHS=${EPOCHS:-5}
[ -d runs/ds/vcomp-gray ] || $PY training/gray_dataset.py runs/ds/vcomp runs/ds/vcomp-gray
arm() {  # NAME DATASET [--gray]
  local name=$1 ds=$2; shift 2
  [ -f runs/train/$name/weights/best.pt ] || $C train --config configs/train/real.yaml --data $ds \
      --weights models/camdetect-default.pt --epochs "$EPOCHS" --name $name --threads 1 --overwrite
  [ -f runs/export/$name/$name.onnx ] || $C export runs/train/$name --out runs/export/$name/$name.onnx --tile 320
  [ -f runs/eval/real-$name/real_cameras.json ] || $PY scripts/eval_real_cameras.py \
      --model runs/export/$name/$name.onnx --out runs/eval/real-$name --no-progress "$@"
}
arm v8-color runs/ds/vcomp > runs/logs-v8-color.log 2>&1 &
arm v8-gray runs/ds/vcomp-gray --gray > runs/logs-v8-gray.log 2>&1 &
wait
$PY scripts/real_summary.py v2=runs/eval/real-v2-onnxruntime v8-color=runs/eval/real-v8-color \
    v8-gray=runs/eval/real-v8-gray --by-model --paired v8-color:v8-gray
