"""Merge ultralytics datasets into one folder: the synthetic city's tiles into the composites, or the
crowd's consensus tiles and the reviewed views into the demo's second training round.

Files are hard-linked where possible (copied otherwise), renamed ``inc_<source>_<name>`` so sources
never collide, and class ids are remapped by class *name* onto the target's class list.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml

from camdetect.dataset.sources import IMAGE_SUFFIXES
from camdetect.durable import atomic_write_json, atomic_write_text, link_or_copy
from camdetect.labels.exporters.yolo import write_yolo_labels

SPLITS = ("train", "val")


def _load(data_yaml: Path) -> dict:
    if not data_yaml.is_file():
        raise FileNotFoundError(f"{data_yaml}: no data.yaml (not an ultralytics dataset folder)")
    return yaml.safe_load(data_yaml.read_text(encoding="utf-8")) or {}


def _names(data: dict) -> list[str]:
    names = data.get("names") or []
    if isinstance(names, dict):
        names = [names[k] for k in sorted(names, key=int)]
    return [str(n) for n in names]


def copy_command(doc: str, argv: list[str] | None = None):
    """``SRC DST`` of a transformed-copy script (training/gray_dataset.py, training/one_class_dataset.py), with DST
    created holding SRC's data.yaml; None after a one-line error when SRC holds no data.yaml."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    args = ap.parse_args(argv)
    try:
        _load(args.src / "data.yaml")
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    atomic_write_text(args.dst / "data.yaml", (args.src / "data.yaml").read_text(encoding="utf-8"))  # makes DST
    return args


def read_names(data_yaml: Path) -> list[str]:
    """Class names of a data.yaml (``names:`` as a list or an index -> name mapping)."""
    return _names(_load(data_yaml))


def _remap(src: Path, data: dict, names: list[str]) -> dict[int, int]:
    """Source class id -> target class id, by name; an error naming the file when a class has no target."""
    src_names = _names(data)
    missing = [n for n in src_names if n not in names]
    if missing:
        raise ValueError(f"{src / 'data.yaml'}: classes {missing} are not detector classes {names}")
    return {i: names.index(n) for i, n in enumerate(src_names)}


def include_dataset(src: Path, out: Path, names: list[str], tag: str | None = None) -> Counter:
    """Copy (hard-link where possible) another ultralytics dataset's train/val in, class ids remapped by name."""
    data = _load(src / "data.yaml")
    remap = _remap(src, data, names)
    tag = tag or src.name
    counts: Counter = Counter()
    for split in SPLITS:
        img_dir = src / str(data.get(split, f"images/{split}"))
        if not img_dir.is_dir():
            continue
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        for img in sorted(img_dir.iterdir()):
            if img.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            dst = out / "images" / split / f"inc_{tag}_{img.name}"
            lab_src = src / "labels" / split / f"{img.stem}.txt"
            lab_dst = out / "labels" / split / f"inc_{tag}_{img.stem}.txt"
            link_or_copy(img, dst)
            lines = []
            if lab_src.is_file():
                for n, ln in enumerate(lab_src.read_text(encoding="utf-8").splitlines(), start=1):
                    parts = ln.split()
                    if not parts:
                        continue
                    if not parts[0].isdigit() or int(parts[0]) not in remap:
                        raise ValueError(f"{lab_src}:{n}: class id {parts[0]!r} is not in {src / 'data.yaml'}")
                    lines.append(" ".join([str(remap[int(parts[0])])] + parts[1:]))
            write_yolo_labels(lab_dst, lines)
            counts[split] += 1
    return counts


def merge_datasets(sources: list[Path], out: Path, names: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Write ``out`` (data.yaml, images/, labels/) from the train and val splits of ``sources``; test splits
    are left out on purpose (they stay held out). Classes: ``names`` or the first source's.
    Returns {source: {split: images}}."""
    if not sources:
        raise ValueError("dataset merge: no source dataset given")
    sources = [Path(p) for p in sources]
    names = list(names or read_names(sources[0] / "data.yaml"))
    for src in sources:  # clear errors (missing data.yaml, unknown class, mixed tiles) before anything is linked
        _remap(src, _load(src / "data.yaml"), names)
    tile = common_tile(sources)
    out.mkdir(parents=True, exist_ok=True)
    seen: Counter = Counter()
    result: dict[str, dict[str, int]] = {}
    for src in sources:
        seen[src.name] += 1
        tag = src.name if seen[src.name] == 1 else f"{src.name}{seen[src.name]}"
        result[str(src)] = dict(include_dataset(src, out, names, tag))
    atomic_write_text(out / "data.yaml", "# written by camdetect dataset merge; no `path:` key so the folder can move\n"
                      + yaml.safe_dump({"train": "images/train", "val": "images/val", "names": names}, sort_keys=False))
    # the tile side travels into the run and the ONNX metadata (the scorer cuts the same tiles): without it
    # a model trained on 320 px tiles of 640 px views would score the views shrunk to 320 px
    atomic_write_json(out / "dataset.json", {"mode": "merge", "sources": result, "class_names": names,
                                             "options": {"tile": tile}})
    return result


def common_tile(sources: list[Path]) -> int:
    """The tile side (``options.tile`` of each dataset.json) the sources share; 0 when none records one.
    Sources cut at different sides cannot give the scorer one tile: that is an error."""
    tiles = {}
    for src in sources:
        card = src / "dataset.json"
        if card.is_file():
            tiles[str(src)] = int((json.loads(card.read_text(encoding="utf-8")).get("options") or {}).get("tile") or 0)
    if len(set(tiles.values())) > 1:
        raise ValueError("dataset merge: the sources were cut at different tile sides "
                         + ", ".join(f"{k}: {v or 'whole views'}" for k, v in tiles.items()))
    return next(iter(tiles.values()), 0)
