"""Training: `camdetect train --config configs/train/NAME.yaml` -> runs/train/NAME (weights, metrics,
plots, camdetect_run.json, model_card.md); optional mount classifier on context crops in RUN/mount/."""
