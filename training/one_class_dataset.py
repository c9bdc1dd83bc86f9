#!/usr/bin/env python
"""A one-class copy of an ultralytics dataset folder (the v18 experiment, docs/training.md): every box relabelled
as class 0, images hard-linked, data.yaml as it is, so a checkpoint fine-tuned on it keeps its head (no re-initialised
output layer to confound the comparison) and spends none of its capacity telling dome from bullet from reader.
Design C of "Type and mount: measured comparison" (one class + a type classifier), tested on real photos.

    python training/one_class_dataset.py runs/ds/vcomp runs/ds/vcomp-1c

Re-running finishes an interrupted copy (existing files are kept).
"""

from __future__ import annotations

from camdetect.dataset.merge import copy_command
from camdetect.durable import atomic_write_text, link_or_copy


def one_class_labels(text: str) -> str:
    """Every YOLO label line with its class id replaced by 0; blank lines dropped."""
    return "".join("0 " + line.split(maxsplit=1)[1] + "\n" for line in text.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    args = copy_command(__doc__, argv)
    if args is None:
        return 2
    n_img = n_box = 0
    for src in sorted((args.src / "images").rglob("*")):
        if src.is_file():
            link_or_copy(src, args.dst / "images" / src.relative_to(args.src / "images"))
            n_img += 1
    for src in sorted((args.src / "labels").rglob("*.txt")):
        text = one_class_labels(src.read_text())
        n_box += text.count("\n")
        atomic_write_text(args.dst / "labels" / src.relative_to(args.src / "labels"), text)  # makes the folders
    print(f"{args.dst}: {n_img} images linked, {n_box} boxes relabelled as class 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
