"""Pack what a GPU lease needs beside the repository into .devdata/ (ignored; training/gpu_run.sh reads it there).

Only 64 MiB travel to the device machine, repository included, so: the sprite library's 16-bit RGBA pixels, each
array xz-compressed (lossless, ~3/4 of the PNG bytes; written back as the same PNGs there), at most --max-sprites
of them evenly spaced through the library (its kinds are drawn at random, so a spaced subset keeps their shares),
the street photos the composites draw backgrounds
from (as they are, minus the held-out folders), and the two cities' split tables (so the cities rebuilt there keep
c11's held-out panoramas out of training exactly as here). The real-camera evaluation set is never packed.

    python training/gpu_payload.py --sprites runs/sprites/v1 --street ../shared/data/street-backgrounds \
        --exclude opensfm/ --exclude geovisio_pypi/ --splits runs/ds/c11 --splits runs/ds/c12 --max-sprites 500 \
        --out .devdata
    python training/gpu_payload.py --unpack-sprites .devdata/sprites --to runs/sprites/gpu   # there (gpu_run.sh)
"""

from __future__ import annotations

import argparse
import io
import lzma
import shutil
from pathlib import Path

import cv2
import numpy as np

from camdetect.render.composite import list_backgrounds


def pack_sprites(src: Path, out: Path, max_sprites: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    pngs = sorted(src.glob("*.png"))
    keep = sorted({int(i) for i in np.linspace(0, len(pngs) - 1, min(max_sprites, len(pngs))).round()})
    for png in (pngs[i] for i in keep):
        buf = io.BytesIO()
        np.save(buf, cv2.imread(str(png), cv2.IMREAD_UNCHANGED))
        (out / f"{png.stem}.npy.xz").write_bytes(lzma.compress(buf.getvalue(), preset=6))
        meta = png.with_suffix(".json")
        if meta.is_file():
            shutil.copy2(meta, out / meta.name)
    for extra in src.iterdir():  # the library's card or index, if any
        if extra.is_file() and extra.suffix not in (".png", ".json"):
            shutil.copy2(extra, out / extra.name)
    return len(keep)


def unpack_sprites(src: Path, out: Path) -> int:
    """The packed library back as the 16-bit PNGs (and their JSON) that ``render composite --sprites`` reads."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for f in sorted(src.iterdir()):
        if f.name.endswith(".npy.xz"):
            cv2.imwrite(str(out / f.name.replace(".npy.xz", ".png")), np.load(io.BytesIO(lzma.decompress(f.read_bytes()))))
            n += 1
        else:
            shutil.copy2(f, out / f.name)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unpack-sprites", type=Path, help="unpack a packed sprite folder into --to, and nothing else")
    ap.add_argument("--to", type=Path, default=Path("runs/sprites/gpu"))
    ap.add_argument("--sprites", type=Path)
    ap.add_argument("--street", type=Path)
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--splits", type=Path, action="append", default=[], help="dataset folders (splits.csv)")
    ap.add_argument("--max-sprites", type=int, default=500)
    ap.add_argument("--out", type=Path, default=Path(".devdata"))
    a = ap.parse_args()
    if a.unpack_sprites:
        print(f"{a.to}: {unpack_sprites(a.unpack_sprites, a.to)} sprites unpacked")
        return
    if not (a.sprites and a.street):
        ap.error("--sprites and --street are required to pack")
    if a.out.exists():
        shutil.rmtree(a.out)
    n = pack_sprites(a.sprites, a.out / "sprites", a.max_sprites)
    photos = 0
    for s in list_backgrounds([a.street], a.exclude):  # refuses the evaluation-only set like the composites do
        for p in s.files:
            dst = a.out / "street" / p.relative_to(a.street)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dst)
            photos += 1
    for ds in a.splits:
        dst = a.out / "splits" / ds.name
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ds / "splits.csv", dst / "splits.csv")
    size = sum(p.stat().st_size for p in a.out.rglob("*") if p.is_file())
    print(f"{a.out}: {n} sprites, {photos} street photos, {len(a.splits)} split tables, {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
