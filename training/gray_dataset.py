#!/usr/bin/env python
"""A grey copy of an ultralytics dataset folder (the v8 experiment, docs/training.md): every image as a 3-channel
grey JPEG, labels and data.yaml as they are, so the renders' colour statistics cannot tell a camera from a photo.

    python training/gray_dataset.py runs/ds/vcomp runs/ds/vcomp-gray

Skips images already written (re-run to finish an interrupted copy).
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2

from camdetect.dataset.merge import copy_command
from camdetect.scoring.inputs import gray_bgr


def gray_copy(src: Path, dst: Path) -> None:
    if dst.exists():
        return
    image = cv2.imread(str(src), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{src}: cannot read the image")
    tmp = dst.with_suffix(".tmp.jpg")
    cv2.imwrite(str(tmp), gray_bgr(image), [cv2.IMWRITE_JPEG_QUALITY, 95])
    tmp.replace(dst)


def main(argv: list[str] | None = None) -> int:
    args = copy_command(__doc__, argv)
    if args is None:
        return 2
    if not (args.dst / "labels").exists():
        shutil.copytree(args.src / "labels", args.dst / "labels")
    jobs = []
    for src in sorted((args.src / "images").rglob("*")):
        if src.suffix.lower() in (".jpg", ".jpeg", ".png"):
            dst = (args.dst / "images" / src.relative_to(args.src / "images")).with_suffix(".jpg")
            dst.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((src, dst))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda j: gray_copy(*j), jobs))
    print(f"wrote {len(jobs)} grey images to {args.dst / 'images'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
