#!/usr/bin/env bash
# v11 experiment (docs/training.md, "v11"): background crops at the scorer's scale. The v9 control arms
# (training/make_v9.sh: v2 fine-tuned EPOCHS epochs on 2,500 composites of seeds 21, 22, 23 from runs/sprites/v1)
# against the same recipe on composites built with --native-share 0.5, the one change: half the background crops
# are one tile of photo pixels (as the scorer's native tiles see a street) instead of a crop of tile .. short side
# shrunk to the tile, so real lamps, windows and holes are seen as negatives at the sizes pasted cameras have.
# One thread per arm, two arms side by side. Every step skips what exists. Run from the repository root after
# `make install` and training/make_v9.sh's sprites and control arms (~1 h on 2 cores beyond them).
set -euo pipefail
source training/common.sh
SHARE=${SHARE:-0.5}
seed_arms v11-native vnat --native-share "$SHARE"
