#!/usr/bin/env bash
# v9 experiment (docs/training.md, "v9: a backbone pretrained on real photos"): issue 11 item 4 asks to weigh
# self-supervised pretraining on the real unlabelled images. The shipped v2's backbone (layers 0-10, 51 k of its
# 265 k parameters) is trained further with SimSiam on crops of the real training backgrounds (training/ssl_backbone.py:
# the 74 street photos at weight 3 + the Open Images photos at 1, held-out folders excluded, never real-cameras-dev),
# then fine-tuned on composites with the backbone frozen, so the fine-tuning cannot re-learn render-specific features
# there. Three arms, 5 epochs each on the same 2,500 composites (runs/ds/vcomp, training/make_verifier.sh step 2):
#   v9-control      v2, nothing frozen (the v8-color recipe again, on this box)
#   v9-frozen       v2, backbone frozen (the freezing alone)
#   v9-ssl-frozen   v2 + SimSiam backbone, backbone frozen
# Every step skips what exists. Run from the repository root after `make install`.
set -euo pipefail
C=.venv/bin/camdetect
PY=.venv/bin/python
D=../shared/data
EPOCHS=${EPOCHS:-5}
SSL_STEPS=${SSL_STEPS:-2000}
mkdir -p runs/logs runs/cfg
$C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
[ -f runs/ds/vcomp/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/vcomp --tiles 2500 --seed 21 \
    --workers 2 --backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1 \
    --exclude opensfm/ --exclude geovisio_pypi/ --no-progress
# the recipe with the backbone frozen (ultralytics' freeze: the first 11 layers)
sed 's/^name: real$/name: real-frozen/' configs/train/real.yaml > runs/cfg/real-frozen.yaml
printf 'extra:\n  freeze: 11\n' >> runs/cfg/real-frozen.yaml
arm() {  # NAME CONFIG WEIGHTS
  local name=$1 cfg=$2 weights=$3
  [ -f runs/train/$name/weights/best.pt ] || $C train --config "$cfg" --data runs/ds/vcomp --weights "$weights" \
      --epochs "$EPOCHS" --name $name --threads 1 --overwrite
  [ -f runs/export/$name/$name.onnx ] || $C export runs/train/$name --out runs/export/$name/$name.onnx --tile 320
  [ -f runs/eval/real-$name/real_cameras.json ] || $PY scripts/eval_real_cameras.py \
      --model runs/export/$name/$name.onnx --out runs/eval/real-$name --no-progress --threads 1
}
[ -f runs/eval/real-v2/real_cameras.json ] || $PY scripts/eval_real_cameras.py --model models/camdetect-default.onnx \
    --out runs/eval/real-v2 --no-progress
# SimSiam (one thread: 2,000 steps of 128 crop pairs at 96 px, ~0.8 s per step beside the control arm)
ssl() {
  [ -f runs/ssl/v2-simsiam.pt ] || $PY training/ssl_backbone.py --weights models/camdetect-default.pt \
      --out runs/ssl/v2-simsiam.pt --backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1 \
      --exclude opensfm/ --exclude geovisio_pypi/ --steps "$SSL_STEPS" --minutes 60 --threads 1
}
ssl > runs/logs/ssl.log 2>&1 &
arm v9-control configs/train/real.yaml models/camdetect-default.pt > runs/logs/v9-control.log 2>&1 &
wait
arm v9-frozen runs/cfg/real-frozen.yaml models/camdetect-default.pt > runs/logs/v9-frozen.log 2>&1 &
arm v9-ssl-frozen runs/cfg/real-frozen.yaml runs/ssl/v2-simsiam.pt > runs/logs/v9-ssl-frozen.log 2>&1 &
wait
$PY scripts/real_summary.py v2=runs/eval/real-v2 v9-control=runs/eval/real-v9-control \
    v9-frozen=runs/eval/real-v9-frozen v9-ssl-frozen=runs/eval/real-v9-ssl-frozen --by-model \
    --paired v9-frozen:v9-ssl-frozen --paired v9-control:v9-ssl-frozen
