# Shared by the experiment scripts (source it from the repository root): the CLI, the data, the background recipe
# of every composite since v2 (street photos at 3 + Open Images at 1, the held-out street folders never used), and
# one fine-tuning arm: v2 (models/camdetect-default.pt) fine-tuned EPOCHS epochs on one dataset with one thread,
# then training/eval_candidate.sh. Each step skips what exists.
C=.venv/bin/camdetect
PY=.venv/bin/python
D=../shared/data
EPOCHS=${EPOCHS:-5}
BG=(--backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1 --exclude opensfm/
    --exclude geovisio_pypi/)
mkdir -p runs/logs
city() {  # N: synthetic city cN (160 intersections, seed N), its truth-tile dataset and its test split's manifest
  [ -f runs/city/c$1/manifest.csv ] || $C synth --out runs/city/c$1 --intersections 160 --seed $1 --workers 2
  [ -f runs/ds/c$1/data.yaml ] || $C dataset build --panoramas runs/city/c$1/manifest.csv \
      --cameras runs/city/c$1/truth/cameras.csv --tile 320 --negatives-ratio 1 --out runs/ds/c$1
  [ -f runs/city/c$1/manifest_test.csv ] || $C dataset manifest --data runs/ds/c$1 --manifest runs/city/c$1/manifest.csv \
      --out runs/city/c$1/manifest_test.csv --split test
}
v2_arm() {  # NAME DATASET
  [ -f runs/train/$1/weights/best.pt ] || $C train --config configs/train/real.yaml --data runs/ds/$2 \
      --weights models/camdetect-default.pt --epochs "$EPOCHS" --name $1 --threads 1 --overwrite
  [ -f runs/eval/c11-$1/report.json ] || training/eval_candidate.sh $1 runs/train/$1
}
seed_arms() {  # PREFIX DSPREFIX COMPOSITE-FLAG...: composites of seeds 21-23 with the flags, an arm on each, the table
  local prefix=$1 ds=$2 seed
  shift 2
  [ -d runs/sprites/v1 ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
  for seed in 21 22 23; do  # ~1 min each
    [ -f runs/ds/$ds$seed/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/$ds$seed \
        --tiles 2500 --seed $seed --workers 2 "${BG[@]}" "$@" --no-progress
  done
  v2_arm $prefix-s21 ${ds}21 > runs/logs/$prefix-s21.log 2>&1 &
  v2_arm $prefix-s22 ${ds}22 > runs/logs/$prefix-s22.log 2>&1 &
  wait
  v2_arm $prefix-s23 ${ds}23 > runs/logs/$prefix-s23.log 2>&1
  # against the v9 control arms (training/make_v9.sh: the same seeds without the flags)
  local arms=(v9-control $prefix-s21 v9-control-s22 $prefix-s22 v9-control-s23 $prefix-s23)
  $PY scripts/real_summary.py v2=runs/eval/real-v2 $(for a in "${arms[@]}"; do echo "$a=runs/eval/real-$a"; done) \
      --panos v2=runs/eval/c11-v2 $(for a in "${arms[@]}"; do echo "--panos $a=runs/eval/c11-$a"; done) --by-model \
      --paired v9-control:$prefix-s21 --paired v9-control-s22:$prefix-s22 --paired v9-control-s23:$prefix-s23
}
against_control() {  # NAME DATASET: the arm beside the v9 control (composites vcomp, seed 21) on this box, then the table
  v2_arm v9-control vcomp > runs/logs/v9-control.log 2>&1 &
  v2_arm "$1" "$2" > "runs/logs/$1.log" 2>&1 &
  wait
  [ -f runs/eval/c11-v2/report.json ] || training/eval_candidate.sh v2 models/camdetect-default.pt
  $PY scripts/real_summary.py v2=runs/eval/real-v2 v9-control=runs/eval/real-v9-control "$1=runs/eval/real-$1" \
      --panos v2=runs/eval/c11-v2 --panos v9-control=runs/eval/c11-v9-control --panos "$1=runs/eval/c11-$1" \
      --by-model --paired "$1:v9-control" --out "runs/eval/${1%%-*}_summary.json"
}
