# Sourced by training/make_v5_model.sh, make_v6_model.sh and make_v7_model.sh: the tools, the start (the v4
# candidate) and the composite backgrounds every arm of that lineage shares, so the arms differ in one thing.
C=.venv/bin/camdetect
PY=.venv/bin/python
D=../shared/data
START=runs/train/v4/weights/last.pt
BG=(--backgrounds $D/street-backgrounds=3 --backgrounds $D/open-images-cameras-voc/train=1
    --exclude opensfm/ --exclude geovisio_pypi/ --include runs/ds/c11 --include runs/ds/c12)
