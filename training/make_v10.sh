#!/usr/bin/env bash
# v10 experiment (docs/training.md, "v10"): poles and mast arms carried on to the tile edge. The v9 control arms
# (training/make_v9.sh: v2 fine-tuned EPOCHS epochs on 2,500 composites of seeds 21, 22, 23 from runs/sprites/v1)
# against the same recipe on composites built with --continue-mounts, the one change: a structure the sprite's frame
# cuts runs on to the tile's edge instead of fading out in mid-air. One thread per arm, two arms side by side.
# Every step skips what exists. Run from the repository root after `make install` and training/make_v9.sh's
# sprites, composites and control arms (~1 h on 2 cores beyond them).
set -euo pipefail
source training/common.sh
seed_arms v10-cont vcont --continue-mounts
