#!/usr/bin/env bash
# v14 (docs/training.md): weight-space blends (camdetect blend, WiSE-FT) of a start checkpoint and its fine-tune, on
# the real sets, the c11 held-out panoramas and the demo's final half. Every command; each step skips what exists.
#   training/eval_blends.sh real   # v1 -> v2 and v2 -> v3 at alpha 0.25 / 0.5 / 0.75 (~1 h on 2 cores)
#   training/eval_blends.sh demo   # three demo runs' round-1 and round-2 fine-tunes and their starts (~20 min)
set -euo pipefail
source training/common.sh
case ${1:-real} in
real)
  city 11
  for pair in "v1v2 models/camdetect-city.pt models/camdetect-default.pt" \
              "v2v3 models/camdetect-default.pt models/camdetect-v3-candidate.pt"; do
    read -r tag start tuned <<< "$pair"
    for a in 0.25 0.5 0.75; do
      [ -f runs/blend/$tag-$a.pt ] || $C blend "$start" "$tuned" --alpha $a --out runs/blend/$tag-$a.pt
      [ -f runs/eval/c11-$tag-$a/report.json ] || training/eval_candidate.sh $tag-$a runs/blend/$tag-$a.pt
    done
  done
  for m in v1:models/camdetect-city.pt v2:models/camdetect-default.pt v3:models/camdetect-v3-candidate.pt; do
    [ -f runs/eval/c11-${m%%:*}/report.json ] || training/eval_candidate.sh ${m%%:*} ${m#*:}
  done
  A=() P=()
  for n in v2 v1v2-0.25 v1v2-0.5 v1v2-0.75 v1 v2v3-0.25 v2v3-0.5 v2v3-0.75 v3; do
    A+=("$n=runs/eval/real-$n"); P+=(--panos "$n=runs/eval/c11-$n")
  done
  $PY scripts/real_summary.py "${A[@]}" "${P[@]}" --by-model --paired v2v3-0.5:v2 --paired v2v3-0.5:v3 \
      --out runs/eval/blend_summary.json
  ;;
demo)
  # the demo runs of docs/demo.md: v2 (camdetect demo --out runs/demo_default) and the wide start with the low-lr
  # schedule on the same split (camdetect demo --out runs/demo_wide_lowlr --weights models/camdetect-wide.pt
  # --splits-from runs/demo_default/ds --config runs/cfg/demo-wide-lowlr.yaml; docs/demo.md "Two gentler schedules")
  for d in demo_default demo_wide_lowlr demo_s2; do  # demo_s2: camdetect demo --out runs/demo_s2 --seed 2
    D=runs/$d start=$(awk '/^weights:/ {print $2}' runs/$d/train_recipe.yaml)
    for r in detector detector2; do  # round 1 (consensus) and round 2 (+ review round): both start from $start
      for a in 0.25 0.5 0.75; do
        O=runs/dblend/$d/$r-$a
        if [ ! -f $O/eval/report.json ]; then
          $C blend "$start" $D/train/$r/weights/best.pt --alpha $a --out $O/m.pt
          $C export $O/m.pt --out $O/m.onnx --tile 320
          $C score $D/city/manifest_final.csv --model $O/m.onnx --db "sqlite:///$PWD/$O/db" --out $O/score \
              --conf 0.01 --layout tiles --no-progress
          $C eval --predictions $O/score/suggestions.jsonl --truth $D/city --manifest $D/city/manifest_final.csv \
              --out $O/eval | tee $O/eval.log
        fi
        echo "$d $r alpha $a: $(grep -m1 mAP50 $O/eval.log)"
      done
    done
  done
  ;;
*) echo "usage: training/eval_blends.sh real|demo" >&2; exit 2 ;;
esac
