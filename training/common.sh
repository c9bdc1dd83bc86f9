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
v2_arm() {  # NAME DATASET
  [ -f runs/train/$1/weights/best.pt ] || $C train --config configs/train/real.yaml --data runs/ds/$2 \
      --weights models/camdetect-default.pt --epochs "$EPOCHS" --name $1 --threads 1 --overwrite
  [ -f runs/eval/c11-$1/report.json ] || training/eval_candidate.sh $1 runs/train/$1
}
