#!/usr/bin/env bash
# The ablation of docs/training.md ("Real cameras"): one ingredient off at a time, same budget, same
# evaluation. Each variant fine-tunes models/camdetect-city.pt for EPOCHS epochs on its own composites;
# ~4 min per epoch on 2 CPU threads, so the full table is ~5 x EPOCHS x 4 min (not yet run: see the doc).
# Run from the repository root after `make install` and the steps 1-2 of training/make_real_model.sh.
set -euo pipefail
C=.venv/bin/camdetect
D=../shared/data
SPRITES=runs/sprites/v1 CITYDS=runs/ds/c11 EPOCHS=${EPOCHS:-10}
BG=(--backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1
    --exclude opensfm/ --exclude geovisio_pypi/)

variant() {  # NAME, then extra `render composite` arguments
  local name=$1; shift
  $C render composite --sprites $SPRITES --out runs/ds/abl-$name --tiles 4000 --seed 0 --workers 2 \
      --include $CITYDS "$@"
  $C train --config configs/train/real.yaml --data runs/ds/abl-$name --epochs "$EPOCHS" --name abl-$name
  $C export runs/train/abl-$name --out runs/export/abl-$name/abl-$name.onnx --tile 320
  .venv/bin/python scripts/eval_real_cameras.py --model runs/export/abl-$name/abl-$name.onnx \
      --out runs/eval/real-abl-$name --no-progress
}

variant all "${BG[@]}"                                  # everything (the shipped recipe's phase 1)
variant no-harmonise "${BG[@]}" --no-harmonise          # plain paste: no exposure/colour match, no blur
variant no-decoys "${BG[@]}" --no-decoys                # no rendered look-alikes
variant synthetic-bg --backgrounds runs/city/c11/panoramas   # the drawn city's panoramas as backgrounds
variant street-only --backgrounds $D/street-backgrounds --exclude opensfm/ --exclude geovisio_pypi/
# model size: the same composites, camdetect-p2 at scale n (edit `scale:` in a copy of the model yaml)
.venv/bin/python scripts/real_summary.py v1=runs/eval/real \
    $(for n in all no-harmonise no-decoys synthetic-bg street-only; do echo "$n=runs/eval/real-abl-$n"; done) \
    --out runs/eval/ablation_real.json
