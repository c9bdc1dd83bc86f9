#!/usr/bin/env bash
# v9 experiments (docs/training.md, "v9"): one-ingredient arms against a control, each fine-tuning the shipped v2
# (models/camdetect-default.pt) for EPOCHS epochs on 2,500 composites (one thread per arm, two arms side by side):
#   v9-control       composites seed 21 from runs/sprites/v1 (the v8-color recipe again)
#   v9-frozen        the same, backbone (layers 0-10) frozen
#   v9-ssl-frozen    the same, from v2 with a SimSiam-pretrained backbone (training/ssl_backbone.py: crops of the real
#                    training backgrounds, held-out folders excluded), backbone frozen
#   v9-round         composites seed 21 from runs/sprites/v1r: the same 900 sprites re-rendered with --rounding 0.8
#   v9-control-s22, v9-round-s22, v9-control-s23, v9-round-s23: the control and rounded arms again on composite
#                    seeds 22 and 23
# Each arm is measured by training/eval_candidate.sh (real photos + street views, c11 held-out panoramas).
# Every step skips what exists. Run from the repository root after `make install` (~3 h on 2 cores).
set -euo pipefail
C=.venv/bin/camdetect
PY=.venv/bin/python
D=../shared/data
EPOCHS=${EPOCHS:-5}
SSL_STEPS=${SSL_STEPS:-2000}
mkdir -p runs/logs runs/cfg
BG=(--backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1 --exclude opensfm/
    --exclude geovisio_pypi/)
# sprites: the same 900 (seed 1), sharp and with rounded edges (8-9 min each on 2 workers)
$C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
$C render sprites --out runs/sprites/v1r --count 900 --seed 1 --workers 2 --rounding 0.8 --no-progress
composite() {  # SPRITES OUT SEED (~1 min each)
  [ -f runs/ds/$2/data.yaml ] || $C render composite --sprites runs/sprites/$1 --out runs/ds/$2 --tiles 2500 \
      --seed "$3" --workers 2 "${BG[@]}" --no-progress
}
composite v1 vcomp 21; composite v1r vcomp-r 21
for seed in 22 23; do composite v1 vcomp$seed $seed; composite v1r vcomp$seed-r $seed; done
# the c11 city's held-out panoramas, for eval_candidate.sh (make_real_model.sh step 2)
city 11
# the recipe with the backbone frozen (ultralytics' freeze: the first 11 layers)
sed 's/^name: real$/name: real-frozen/' configs/train/real.yaml > runs/cfg/real-frozen.yaml
printf 'extra:\n  freeze: 11\n' >> runs/cfg/real-frozen.yaml
arm() {  # NAME CONFIG WEIGHTS DATASET
  local name=$1 cfg=$2 weights=$3 ds=$4
  [ -f runs/train/$name/weights/best.pt ] || $C train --config "$cfg" --data runs/ds/$ds --weights "$weights" \
      --epochs "$EPOCHS" --name $name --threads 1 --overwrite
  [ -f runs/eval/c11-$name/report.json ] || training/eval_candidate.sh $name runs/train/$name
}
ssl() {  # SimSiam, one thread: 2,000 steps of 128 crop pairs at 96 px (16 min beside the control arm)
  [ -f runs/ssl/v2-simsiam.pt ] || $PY training/ssl_backbone.py --weights models/camdetect-default.pt \
      --out runs/ssl/v2-simsiam.pt "${BG[@]}" --steps "$SSL_STEPS" --minutes 60 --threads 1
}
ssl > runs/logs/ssl.log 2>&1 &
arm v9-control configs/train/real.yaml models/camdetect-default.pt vcomp > runs/logs/v9-control.log 2>&1 &
wait
arm v9-frozen runs/cfg/real-frozen.yaml models/camdetect-default.pt vcomp > runs/logs/v9-frozen.log 2>&1 &
arm v9-ssl-frozen runs/cfg/real-frozen.yaml runs/ssl/v2-simsiam.pt vcomp > runs/logs/v9-ssl-frozen.log 2>&1 &
wait
arm v9-round configs/train/real.yaml models/camdetect-default.pt vcomp-r > runs/logs/v9-round.log 2>&1
for seed in 22 23; do
  arm v9-control-s$seed configs/train/real.yaml models/camdetect-default.pt vcomp$seed > runs/logs/v9-control-s$seed.log 2>&1 &
  arm v9-round-s$seed configs/train/real.yaml models/camdetect-default.pt vcomp$seed-r > runs/logs/v9-round-s$seed.log 2>&1 &
  wait
done
# v2 as shipped, measured the same way
[ -f runs/eval/real-v2/real_cameras.json ] || $PY scripts/eval_real_cameras.py --model models/camdetect-default.onnx \
    --out runs/eval/real-v2 --no-progress
if [ ! -f runs/eval/c11-v2/report.json ]; then
  rm -rf runs/score/c11-v2
  $C score runs/city/c11/manifest_test.csv --model models/camdetect-default.onnx --conf 0.01 --no-progress \
      --layout tiles --db runs/score/c11-v2/review.db --media runs/score/c11-v2/media --out runs/score/c11-v2
  $C eval --predictions runs/score/c11-v2/suggestions.jsonl --truth runs/city/c11 \
      --manifest runs/city/c11/manifest_test.csv --out runs/eval/c11-v2
fi
ARMS=(v9-control v9-frozen v9-ssl-frozen v9-round v9-control-s22 v9-round-s22 v9-control-s23 v9-round-s23)
$PY scripts/real_summary.py v2=runs/eval/real-v2 $(for a in "${ARMS[@]}"; do echo "$a=runs/eval/real-$a"; done) \
    --panos v2=runs/eval/c11-v2 $(for a in "${ARMS[@]}"; do echo "--panos $a=runs/eval/c11-$a"; done) --by-model \
    --paired v9-frozen:v9-ssl-frozen --paired v9-control:v9-frozen --paired v9-control:v9-round \
    --paired v9-control-s22:v9-round-s22 --paired v9-control-s23:v9-round-s23
