"""Fixtures for evaluation tests: a tiny drawn dataset in the contract layout and a 1-epoch model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from camdetect.records import Tag, write_table

CLASSES = ("dome", "bullet")


def make_tiny_dataset(root: Path, n_train: int = 8, n_test: int = 4, size: int = 128, seed: int = 0) -> Path:
    """Grey noisy views with dark discs (dome) and bars (bullet); two views per intersection.

    Writes images/{train,test}, labels/{train,test} (ultralytics), data.yaml, views.csv and
    boxes.csv as docs/CONTRACTS.md pins them. The last test view has no camera (a negative).
    """
    import cv2

    rng = np.random.default_rng(seed)
    views, tags = [], []
    for split, n in (("train", n_train), ("test", n_test)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for k in range(n):
            name = f"{split}_{k:02d}"
            inter = f"{split}-int{k // 2}"
            img = np.clip(rng.normal(170, 12, (size, size, 3)), 0, 255).astype(np.uint8)
            lines = []
            n_cam = 0 if (split == "test" and k == n - 1) else int(rng.integers(1, 3))
            for c in range(n_cam):
                cls = int(rng.integers(0, 2))
                w = int(rng.integers(12, 20))
                h = w if cls == 0 else w // 2 + 2
                x1 = int(rng.integers(4, size - w - 4))
                y1 = int(rng.integers(4, size // 2))
                if cls == 0:
                    cv2.ellipse(img, (x1 + w // 2, y1 + h // 2), (w // 2, h // 2), 0, 0, 360, (30, 30, 30), -1)
                else:
                    cv2.rectangle(img, (x1, y1), (x1 + w, y1 + h), (240, 240, 240), -1)
                    cv2.rectangle(img, (x1, y1), (x1 + w, y1 + h), (20, 20, 20), 1)
                x2, y2 = x1 + w, y1 + h
                lines.append(f"{cls} {(x1 + x2) / 2 / size:.6f} {(y1 + y2) / 2 / size:.6f} {w / size:.6f} {h / size:.6f}")
                tags.append(Tag(source="synth", image=f"images/{split}/{name}.jpg", annotator="truth",
                                tag_id=f"{name}-c{c}", type=CLASSES[cls],
                                mount="building" if c == 0 else "street_furniture",
                                x1=x1, y1=y1, x2=x2, y2=y2, image_width=size, image_height=size,
                                intersection=inter))
            cv2.imwrite(str(root / "images" / split / f"{name}.jpg"), img)
            (root / "labels" / split / f"{name}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
            views.append({"image": f"images/{split}/{name}.jpg", "split": split, "pano_id": inter,
                          "intersection": inter, "heading": 0, "pitch": 0, "fov": 90, "width": size, "height": size})
    with (root / "views.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(views[0]))
        w.writeheader()
        w.writerows(views)
    write_table(root / "boxes.csv", tags, Tag)
    (root / "data.yaml").write_text(
        f"path: {root}\ntrain: images/train\nval: images/test\ntest: images/test\n"
        f"names:\n" + "".join(f"  {i}: {n}\n" for i, n in enumerate(CLASSES)))
    return root


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    return make_tiny_dataset(tmp_path_factory.mktemp("evalds"))


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset, tmp_path_factory) -> Path:
    """A real ultralytics YOLO11n trained for one epoch on the tiny dataset (a few seconds on CPU)."""
    from ultralytics import YOLO

    work = tmp_path_factory.mktemp("evaltrain")
    model = YOLO("yolo11n.yaml", task="detect")
    model.train(data=str(tiny_dataset / "data.yaml"), epochs=1, imgsz=128, batch=4, workers=0, device="cpu",
                plots=False, val=False, project=str(work), name="run", exist_ok=True, amp=False, verbose=False,
                seed=0, deterministic=False)
    run = work / "tiny"
    (run / "weights").mkdir(parents=True)
    src = work / "run" / "weights"
    best = src / "best.pt" if (src / "best.pt").exists() else src / "last.pt"
    (run / "weights" / "best.pt").write_bytes(best.read_bytes())
    (run / "camdetect_run.json").write_text(json.dumps({"name": "tiny", "class_names": list(CLASSES), "imgsz": 128}))
    _random_mount_classifier(run / "mount" / "weights" / "best.pt")
    return run


def _random_mount_classifier(path: Path) -> None:
    """An untrained YOLO11n-cls with the taxonomy's mount classes, as RUN/mount/ holds a trained one:
    enough to exercise the crop -> classify -> mount confusion path (its answers are random)."""
    import torch
    from ultralytics import YOLO
    from ultralytics.nn.tasks import ClassificationModel

    from camdetect.taxonomy import load_taxonomy

    names = list(load_taxonomy().mounts)
    torch.manual_seed(0)
    net = ClassificationModel("yolo11n-cls.yaml", nc=len(names), verbose=False)
    net.names = dict(enumerate(names))
    net.args = {"imgsz": 32, "task": "classify"}
    net.task = "classify"
    model = YOLO("yolo11n-cls.yaml", task="classify", verbose=False)
    model.model = net
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
