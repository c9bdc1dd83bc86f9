#!/usr/bin/env bash
# v12 experiment (docs/training.md, "v12"): sprites lit by the photo they are pasted on. The v9 control arms
# (training/make_v9.sh: v2 fine-tuned EPOCHS epochs on 2,500 composites of seeds 21, 22, 23 from runs/sprites/v1,
# every sprite lit by one of the 21 HDR skies) against the same recipe with runs/sprites/v1 relit: the same 900
# sprites (same seed: same kinds, shapes, materials, views), each lit by a map built from one of the 74 training
# street photos (render sprites --light-photos, camdetect/render/photo_light.py), added to the library, and
# --match-light 1: a paste on a street photo takes a sprite lit by that photo (Open Images tiles draw from both).
# One thread per arm, two arms side by side. Every step skips what exists. Run from the repository root after
# `make install` and training/make_v9.sh's sprites and control arms (~1 h on 2 cores beyond them).
set -euo pipefail
source training/common.sh
[ -f runs/sprites/v1-photo/s1_000899.json ] || $C render sprites --out runs/sprites/v1-photo --count 900 --seed 1 \
    --workers 2 --light-photos $D/street-backgrounds --light-exclude opensfm/ --light-exclude geovisio_pypi/ --no-progress
seed_arms v12-photolit vpl --sprites runs/sprites/v1-photo --match-light 1
