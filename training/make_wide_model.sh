#!/usr/bin/env bash
# A wider default-model candidate trained from scratch (issue 11: capacity, the suspect no run has tested):
# camdetect-p2 at scale n (width 0.25: 1.94 M parameters, 7x the 262 k of scale t, the shipped v2) on the v9-control
# data recipe (rendered cameras on real street photos + Open Images photos, look-alikes, harmonisation) at a
# larger draw, plus the truth tiles of two synthetic cities (c11 as v2, and c12, so the city is 1 in ~5 images).
# It spans working sessions: every step skips what exists, and training resumes from runs/train/NAME/weights/last.pt,
# restored from models/camdetect-NAME-last.pt when runs/ is gone (the datasets rebuild byte for byte from seeds).
# At the end of a session: cp runs/train/NAME/weights/last.pt models/camdetect-NAME-last.pt and commit; when the run
# has finished, commit runs/train/NAME/weights/best.pt as models/camdetect-NAME.pt instead (re-running then evaluates it).
# Run from the repository root after `make install`. THREADS (default 2) torch threads; NAME (default wide) names
# the run, its composites (runs/ds/NAME) and checkpoint; COMPOSITE_FLAGS adds `render composite` options, e.g.
#   NAME=wide-native COMPOSITE_FLAGS="--native-share 0.5" training/make_wide_model.sh
# (the wide network with background crops at the scorer's scale, docs/training.md "v11"; started 2026-12-03).
set -euo pipefail
EPOCHS=${EPOCHS:-40}  # before common.sh, whose default (5) is the fine-tuning arms'
source training/common.sh
THREADS=${THREADS:-2}
NAME=${NAME:-wide}
read -r -a EXTRA <<< "${COMPOSITE_FLAGS:-}"
city 11; city 12  # two synthetic cities' truth tiles (c11's test split stays held out for eval_candidate.sh)
if [ ! -f runs/train/$NAME/weights/last.pt ] && [ -f models/camdetect-$NAME.pt ]; then  # finished earlier: needs c11, not sprites
  training/eval_candidate.sh $NAME models/camdetect-$NAME.pt
  exit 0
fi
[ -d runs/sprites/v1 ] || $C render sprites --out runs/sprites/v1 --count 900 --seed 1 --workers 2 --no-progress
[ -f runs/ds/$NAME/data.yaml ] || $C render composite --sprites runs/sprites/v1 --out runs/ds/$NAME --tiles 5000 \
    --seed 31 --workers 2 "${BG[@]}" ${EXTRA[@]+"${EXTRA[@]}"} --include runs/ds/c11 --include runs/ds/c12 --no-progress
if [ ! -f runs/train/$NAME/weights/last.pt ] && [ -f models/camdetect-$NAME-last.pt ]; then
  mkdir -p runs/train/$NAME/weights && cp models/camdetect-$NAME-last.pt runs/train/$NAME/weights/last.pt
fi
if [ -f runs/train/$NAME/weights/last.pt ]; then
  if $PY -c "import sys; from camdetect.train.detector import finished_checkpoint as f; sys.exit(not f(sys.argv[1]))" \
      runs/train/$NAME/weights/last.pt; then
    echo "runs/train/$NAME: all epochs done (commit weights/best.pt as models/camdetect-$NAME.pt)"
  else
    $C train --config configs/train/real.yaml --data runs/ds/$NAME --name $NAME --resume --threads "$THREADS"
  fi
else
  $C train --config configs/train/real.yaml --data runs/ds/$NAME --weights "" --model-scale n --epochs "$EPOCHS" \
      --name $NAME --threads "$THREADS"
fi
training/eval_candidate.sh $NAME runs/train/$NAME
