"""`camdetect dataset check DIR`: find what would silently spoil training, each with file and line.

Errors: corrupt or unreadable images, label lines that are empty or do not parse as
``class cx cy w h``, class ids outside data.yaml's names, boxes out of range or of zero size, label
files without an image, and the same image content in two splits (a leak; found by content hash).
Warnings: images without a label file (ultralytics reads them as negatives), duplicate lines.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from camdetect.dataset.sources import IMAGE_SUFFIXES

EPS = 1e-6


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


def _load_names(root: Path) -> tuple[int | None, dict[str, str], list[Problem]]:
    path = root / "data.yaml"
    if not path.is_file():
        return None, {}, [Problem(str(path), None, "missing data.yaml")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, [Problem(str(path), mark.line + 1 if mark else None, f"not valid YAML: {exc}")]
    names = data.get("names")
    nc = len(names) if isinstance(names, (list, dict)) else data.get("nc")
    if not isinstance(nc, int) or nc < 1:
        return None, {}, [Problem(str(path), None, "no class names (names: or nc:)")]
    splits = {s: str(data[s]) for s in ("train", "val", "test") if data.get(s)}
    return nc, splits, []


def check_label_file(path: Path, nc: int | None) -> list[Problem]:
    """Problems in one ultralytics label file (class cx cy w h per line, normalised to [0, 1])."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the final newline
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            problems.append(Problem(str(path), i, "empty label line"))
            continue
        parts = line.split()
        if len(parts) != 5:
            problems.append(Problem(str(path), i, f"expected 5 fields 'class cx cy w h', got {len(parts)}: {line[:60]!r}"))
            continue
        try:
            cls = int(parts[0])
            if str(cls) != parts[0]:
                raise ValueError
        except ValueError:
            problems.append(Problem(str(path), i, f"class {parts[0]!r} is not an integer"))
            continue
        try:
            cx, cy, w, h = (float(v) for v in parts[1:])
        except ValueError:
            problems.append(Problem(str(path), i, f"box values are not numbers: {line[:60]!r}"))
            continue
        if nc is not None and not 0 <= cls < nc:
            problems.append(Problem(str(path), i, f"class {cls} outside 0..{nc - 1} (data.yaml names)"))
        if w <= 0 or h <= 0:
            problems.append(Problem(str(path), i, f"box has zero or negative size (w={w:g}, h={h:g})"))
        elif (cx - w / 2 < -EPS or cy - h / 2 < -EPS or cx + w / 2 > 1 + EPS or cy + h / 2 > 1 + EPS
              or not all(0 <= v <= 1 for v in (cx, cy, w, h))):
            problems.append(Problem(str(path), i, f"box out of range [0, 1]: cx={cx:g} cy={cy:g} w={w:g} h={h:g}"))
        if line in seen:
            problems.append(Problem(str(path), i, f"duplicate of line {seen[line]}", "warning"))
        else:
            seen[line] = i
    return problems


def check_image(path: Path) -> Problem | None:
    """A Problem when the image cannot be fully decoded (truncated JPEGs included)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            im.load()  # verify() misses truncated data; load() decodes everything
    except Exception as exc:  # noqa: BLE001 - PIL raises many kinds
        return Problem(str(path), None, f"corrupt image: {str(exc).splitlines()[0][:100]}")
    return None


def check_dataset(root: str | os.PathLike, progress: bool = False) -> list[Problem]:
    """All problems in a dataset directory (ultralytics layout), errors and warnings."""
    from tqdm import tqdm

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such dataset directory")
    nc, splits, problems = _load_names(root)
    if not splits:
        splits = {s: f"images/{s}" for s in ("train", "val", "test") if (root / "images" / s).is_dir()}
    by_hash: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for split, rel in splits.items():
        img_dir = root / rel
        if not img_dir.is_dir():
            problems.append(Problem(str(root / "data.yaml"), None, f"{split} folder {rel} does not exist"))
            continue
        lbl_dir = root / rel.replace("images", "labels", 1)
        images = sorted(p for p in img_dir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        stems = set()
        for img in tqdm(images, desc=f"check {split}", disable=not progress):
            stems.add(img.relative_to(img_dir).with_suffix("").as_posix())
            by_hash[hashlib.sha1(img.read_bytes()).hexdigest()].append((split, img))
            bad = check_image(img)
            if bad:
                problems.append(bad)
            label = lbl_dir / img.relative_to(img_dir).with_suffix(".txt")
            if not label.is_file():
                problems.append(Problem(str(img), None, f"no label file {label.relative_to(root)} (read as a negative)",
                                        "warning"))
                continue
            problems.extend(check_label_file(label, nc))
        if lbl_dir.is_dir():
            for label in sorted(lbl_dir.rglob("*.txt")):
                if label.relative_to(lbl_dir).with_suffix("").as_posix() not in stems:
                    problems.append(Problem(str(label), None, "label file without an image"))
    for where in by_hash.values():
        in_splits = sorted({s for s, _ in where})
        if len(in_splits) > 1:
            first = where[0][1]
            for split, path in where[1:]:
                if split != where[0][0]:
                    problems.append(Problem(str(path), None, f"same image content as {first} "
                                            f"(split {split} vs {where[0][0]}): duplicate across splits"))
    return problems
