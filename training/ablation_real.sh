#!/usr/bin/env bash
# The ablation of docs/training.md ("Real cameras: what each ingredient bought"): one ingredient changed
# at a time, same budget, same evaluation. Each variant fine-tunes the v1 synthetic-city checkpoint
# (models/camdetect-city.pt, configs/train/real.yaml) for EPOCHS epochs on its own TILES composites
# (seed 0) plus, unless said, the c11 city's truth tiles; then exports and evaluates it with
# scripts/eval_real_cameras.py (its real-camera photos and the real street views) and on the 37 held-out
# c11 panoramas.
# Budget as run on 2026-12-01 (2 CPU threads, shared box): TILES=2000 EPOCHS=5, 10-20 min per variant; every
# variant but no-city ran (docs/training.md). Every step skips what exists.
# Run from the repository root after `make install` and steps 1-2 of training/make_real_model.sh.
# Usage: training/ablation_real.sh [VARIANT ...]   (default: all variants but `drawn`, then the table)
set -euo pipefail
C=.venv/bin/camdetect
PY=.venv/bin/python
D=../shared/data
SPRITES=runs/sprites/v1 CITY=runs/city/c11 CITYDS=runs/ds/c11
TILES=${TILES:-2000} EPOCHS=${EPOCHS:-5}
BG=(--backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1
    --exclude opensfm/ --exclude geovisio_pypi/)
STREET=(--backgrounds $D/street-backgrounds --exclude opensfm/ --exclude geovisio_pypi/)
CITYNEG=runs/ds/c11-negatives   # the city's camera-free training tiles: synthetic backgrounds

city_negatives() {  # symlinks to c11 train tiles with an empty label file (no camera in them)
  [ -d $CITYNEG ] && return
  mkdir -p $CITYNEG.tmp
  for lab in $CITYDS/labels/train/*.txt; do
    [ -s "$lab" ] && continue
    stem=$(basename "$lab" .txt)
    ln -s "$(realpath $CITYDS/images/train/$stem.jpg)" $CITYNEG.tmp/$stem.jpg
  done
  mv $CITYNEG.tmp $CITYNEG
}

variant() {  # NAME SPRITE_DIR INCLUDE(yes|no), then extra `render composite` arguments
  local name=$1 sprites=$2 include=$3; shift 3
  local ds=runs/ds/abl-$name onnx=runs/export/abl-$name/abl-$name.onnx inc=()
  [ "$include" = yes ] && inc=(--include $CITYDS)
  [ -f $ds/data.yaml ] || $C render composite --sprites "$sprites" --out $ds --tiles "$TILES" --seed 0 \
      --workers 2 --no-progress "${inc[@]}" "$@"
  [ -f runs/train/abl-$name/weights/best.pt ] || $C train --config configs/train/real.yaml --data $ds \
      --epochs "$EPOCHS" --name abl-$name --threads 2 --overwrite
  [ -f $onnx ] || $C export runs/train/abl-$name --out $onnx --tile 320
  [ -f runs/eval/real-abl-$name/real_cameras.json ] || $PY scripts/eval_real_cameras.py --model $onnx \
      --out runs/eval/real-abl-$name --no-progress
  if [ ! -f runs/eval/c11-abl-$name/report.json ]; then
    rm -rf runs/score/c11-abl-$name
    $C score $CITY/manifest_test.csv --model $onnx --conf 0.01 --no-progress \
        --db runs/score/c11-abl-$name/review.db --media runs/score/c11-abl-$name/media \
        --out runs/score/c11-abl-$name
    $C eval --predictions runs/score/c11-abl-$name/suggestions.jsonl --truth $CITY \
        --manifest $CITY/manifest_test.csv --out runs/eval/c11-abl-$name
  fi
}

run() {
  case $1 in
    all)          variant all $SPRITES yes "${BG[@]}" ;;                 # the shipped recipe's ingredients
    no-harmonise) variant no-harmonise $SPRITES yes "${BG[@]}" --no-harmonise ;;  # plain paste
    no-decoys)    variant no-decoys $SPRITES yes "${BG[@]}" --no-decoys ;;        # no rendered look-alikes
    synthetic-bg) city_negatives; variant synthetic-bg $SPRITES yes --backgrounds $CITYNEG ;;  # drawn city as backgrounds
    street-only)  variant street-only $SPRITES yes "${STREET[@]}" ;;     # no Open Images photos (handheld-camera negatives)
    no-city)      variant no-city $SPRITES no "${BG[@]}" ;;              # composites only: no synthetic-city tiles
    drawn)        [ -d runs/sprites/drawn ] || $C render drawn --out runs/sprites/drawn --count 1337 --seed 1
                  variant drawn runs/sprites/drawn yes "${BG[@]}" ;;     # the synthetic city's 2-D drawn cameras, same pipeline
    *) echo "unknown variant: $1" >&2; exit 2 ;;
  esac
}

VARIANTS=("$@")
[ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=(all no-harmonise no-decoys synthetic-bg street-only no-city)
for v in "${VARIANTS[@]}"; do run "$v"; done

# the starting point, measured the same way: v1 (models/camdetect-city.onnx)
[ -f runs/eval/real-v1-t2/real_cameras.json ] || $PY scripts/eval_real_cameras.py --model models/camdetect-city.onnx \
    --out runs/eval/real-v1-t2 --no-progress
if [ ! -f runs/eval/c11-v1-t2/report.json ]; then
  rm -rf runs/score/c11-v1-t2
  $C score $CITY/manifest_test.csv --model models/camdetect-city.onnx --conf 0.01 --no-progress \
      --db sqlite:///$PWD/runs/score/c11-v1-t2/review.db --out runs/score/c11-v1-t2
  $C eval --predictions runs/score/c11-v1-t2/suggestions.jsonl --truth $CITY --manifest $CITY/manifest_test.csv \
      --out runs/eval/c11-v1-t2
fi
args=(v1=runs/eval/real-v1-t2) panos=(--panos v1=runs/eval/c11-v1-t2)
for n in all no-harmonise no-decoys synthetic-bg street-only no-city drawn; do
  [ -f runs/eval/real-abl-$n/real_cameras.json ] || continue
  args+=("$n=runs/eval/real-abl-$n"); panos+=(--panos "$n=runs/eval/c11-abl-$n")
done
$PY scripts/real_summary.py "${args[@]}" "${panos[@]}" --by-model --out runs/eval/ablation_real.json
