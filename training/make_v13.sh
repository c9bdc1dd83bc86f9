#!/usr/bin/env bash
# v13 experiment (docs/training.md, "v13"): Flock Falcon-style licence-plate readers as volunteers describe them (a
# black kidney-shaped reader under a solar panel, a blue LED: camdetect/render/kinds.py alpr_kidney, opt-in so older
# libraries re-render unchanged). 90 such sprites (`render sprites --kinds alpr_kidney`, seed 5) join the v1 library
# (900 sprites, ~58 per camera kind); the v9 control arms (training/make_v9.sh) against the same recipe with both
# folders. One thread per arm, two arms side by side; every step skips what exists. Run from the repository root
# after `make install` and training/make_v9.sh's sprites and control arms (~1 h on 2 cores beyond them).
set -euo pipefail
source training/common.sh
[ -f runs/sprites/kidney/s5_000089.json ] || $C render sprites --out runs/sprites/kidney --count 90 --seed 5 \
    --kinds alpr_kidney --workers 2 --no-progress
seed_arms v13-kidney vkid --sprites runs/sprites/kidney
