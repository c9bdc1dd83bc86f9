#!/usr/bin/env bash
# v13 experiment (docs/training.md, "v13"): Flock Falcon-style licence-plate readers as volunteers describe them (a
# black kidney-shaped reader under a solar panel, a blue LED: camdetect/render/kinds.py alpr_kidney, opt-in so older
# libraries re-render unchanged). 90 such sprites (`render sprites --kinds alpr_kidney`, seed 5) join the v1 library
# (900 sprites, ~58 per camera kind); the v9 control arms (training/make_v9.sh) against the same recipe with both
# folders, and against 90 more sprites of the Flock-style kinds v1 already has (alpr_flock, alpr_upright, seed 5):
# the kidney arms paste more readers as well as a new shape, and this arm separates the two.
# One thread per arm, two arms side by side; every step skips what exists. Run from the repository root after
# `make install` and training/make_v9.sh's sprites and control arms (~1 h on 2 cores per set of three arms).
set -euo pipefail
source training/common.sh
[ -f runs/sprites/kidney/s5_000089.json ] || $C render sprites --out runs/sprites/kidney --count 90 --seed 5 \
    --kinds alpr_kidney --workers 2 --no-progress
seed_arms v13-kidney vkid --sprites runs/sprites/kidney
[ -f runs/sprites/flock-more/s5_000089.json ] || $C render sprites --out runs/sprites/flock-more --count 90 --seed 5 \
    --kinds alpr_flock,alpr_upright --workers 2 --no-progress
seed_arms v13-flockmore vflk --sprites runs/sprites/flock-more
# the three recipes side by side (seed_arms prints each against the controls)
$PY scripts/real_summary.py $(for s in "" -s22 -s23; do echo "v9-control$s=runs/eval/real-v9-control$s"; done) \
    $(for k in kidney flockmore; do for s in 21 22 23; do echo "v13-$k-s$s=runs/eval/real-v13-$k-s$s"; done; done) \
    $(for s in "" -s22 -s23; do echo "--panos v9-control$s=runs/eval/c11-v9-control$s"; done) \
    $(for k in kidney flockmore; do for s in 21 22 23; do echo "--panos v13-$k-s$s=runs/eval/c11-v13-$k-s$s"; done; done) \
    --by-model --paired v13-flockmore-s21:v13-kidney-s21 --paired v13-flockmore-s22:v13-kidney-s22 \
    --paired v13-flockmore-s23:v13-kidney-s23
