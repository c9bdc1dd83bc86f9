#!/usr/bin/env bash
# `camdetect score --nms class` against `--nms agnostic` (docs/scoring.md, "One suggestion per object"): the 30
# held-out panoramas of the synthetic city c11 (built by training/make_wide_model.sh) scored by v2 and the wide
# model in each mode, one thread, then evaluated; prints the table's numbers. Each step skips what exists.
set -euo pipefail
C=.venv/bin/camdetect
CITY=runs/city/c11
for m in v2:models/camdetect-default.onnx wide:models/camdetect-wide.onnx; do
  name=${m%%:*} onnx=${m#*:}
  for nms in class agnostic; do
    d=runs/score/nms-$name-$nms
    [ -f runs/eval/nms-$name-$nms/report.json ] && continue
    rm -rf "$d"
    $C score $CITY/manifest_test.csv --model "$onnx" --conf 0.01 --no-progress --layout tiles --threads 1 --nms $nms \
        --db "$d/review.db" --out "$d"
    $C eval --predictions "$d/suggestions.jsonl" --truth $CITY --manifest $CITY/manifest_test.csv \
        --out "runs/eval/nms-$name-$nms"
  done
done
.venv/bin/python - <<'PY'
import json
import numpy as np
for name in ("v2", "wide"):
    for nms in ("class", "agnostic"):
        rep = json.load(open(f"runs/eval/nms-{name}-{nms}/report.json"))
        n = sum(1 for _ in open(f"runs/score/nms-{name}-{nms}/suggestions.jsonl"))
        cur = rep["effort"]["curve"]
        rec, spi, saved = (np.array(cur[k]) for k in ("recall", "suggestions_per_intersection", "saved"))
        at = {r: (f"{spi[rec >= r].min():.1f} / {100 * saved[rec >= r].max():.1f} %" if (rec >= r).any() else "-")
              for r in (0.6, 0.9)}
        print(f"{name:5s} {nms:8s} suggestions {n:5d}  mAP@0.5 {rep['coco']['mAP50']:.3f}  agnostic AP50 "
              f"{rep['coco']['class_agnostic']['AP50']:.3f}  highest recall {100 * rep['effort']['max_recall']:.1f} %  "
              f"at 60 %: {at[0.6]}  at 90 %: {at[0.9]}")
PY
