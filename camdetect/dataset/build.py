"""`camdetect dataset build`: panoramas (or photos) + cameras -> an ultralytics dataset directory.

Layout (docs/CONTRACTS.md): data.yaml, images/{split}/, labels/{split}/, views.csv, boxes.csv
(Tag table, image = path relative to the dataset), crops/{split}/{mount}/ (context crops for the
attribute classifier, ultralytics classify layout) + crops.csv, card.md, dataset.json.

Steps: plan views per panorama (geometry planner) -> project every camera's sphere box into every
view -> keep boxes with >= ``min_visible`` of their area inside, grey out the ones only partly inside
(neither a label nor a clean negative) -> optional tiles -> grouped splits -> negatives at a ratio ->
write. Geometry is decided before any pixel is cut, so a re-run with the same inputs and seed skips
images already written (resumable); every file is written atomically.
"""

from __future__ import annotations

import csv
import math
import os
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import yaml

from camdetect.dataset.crops import DEFAULT_CONTEXT, DEFAULT_SIZE, context_crop
from camdetect.dataset.sources import (
    Panorama,
    Photo,
    SphereCamera,
    load_cameras,
    load_panoramas,
    load_photos,
    to_sphere,
)
from camdetect.dataset.splits import (
    SPLITS,
    SplitPlan,
    assign_splits,
    group_key,
    splits_file,
    splits_of_dataset,
)
from camdetect.dataset.tiling import boxes_in_window
from camdetect.durable import atomic_open, atomic_write_bytes, atomic_write_text, write_csv
from camdetect.geometry import (
    ViewPlan,
    angular_distance,
    clip_box,
    cut_view,
    plan_views,
    sphere_boxes_to_view,
)
from camdetect.geometry.tiles import tile_windows
from camdetect.labels.exporters.yolo import write_yolo_labels, yolo_line
from camdetect.records import Tag, View, write_table
from camdetect.taxonomy import Taxonomy, load_taxonomy

CLASS_SCHEMES = ("type", "type_mount", "camera")
VIEW_COLUMNS = ["image", "split", "pano_id", "intersection", "heading", "pitch", "fov", "width", "height",
                "tile_x0", "tile_y0", "n_boxes", "n_masked"]


@dataclass
class BuildOptions:
    """Everything that decides the dataset's content (recorded in dataset.json)."""

    plan: ViewPlan = field(default_factory=ViewPlan)
    negatives_ratio: float = 1.0  # negative images per positive image, per split; < 0 keeps all
    tile: int = 0  # tile size in px (0: whole views)
    tile_overlap: float = 0.2
    min_visible: float = 0.6  # share of a box's area that must be inside the image to label it
    classes: str = "type"  # detector classes: type | type_mount | camera
    split: SplitPlan = field(default_factory=SplitPlan)
    splits_from: str = ""  # a dataset whose splits.csv fixes each intersection's split (instead of ``split``)
    crops: bool = True
    crop_context: float = DEFAULT_CONTEXT
    crop_size: int = DEFAULT_SIZE
    jpeg_quality: int = 95

    def __post_init__(self) -> None:
        if self.classes not in CLASS_SCHEMES:
            raise ValueError(f"classes must be one of {', '.join(CLASS_SCHEMES)}, got {self.classes!r}")
        if not 0 < self.min_visible <= 1:
            raise ValueError(f"min_visible must be in (0, 1], got {self.min_visible}")


@dataclass
class Box:
    """One labelled camera on one output image."""

    xyxy: tuple[float, float, float, float]
    camera_id: str
    type: str
    mount: str
    mount_detail: str = ""
    weak: bool = False
    heading: float = math.nan
    pitch: float = math.nan
    agreement: str = ""


@dataclass
class Item:
    """One output image: a view, a tile of a view, or a photo (``source`` = the unit decoded once)."""

    name: str  # file stem
    source: str  # panorama id or photo key
    intersection: str
    group: str
    view: View | None
    window: tuple[int, int, int, int]  # (x0, y0, x1, y1) in the view/photo
    boxes: list[Box]
    masked: np.ndarray  # (M, 4) boxes to grey out, in this image's pixels
    split: str = ""
    crops: list[Box] = field(default_factory=list)  # cameras whose context crop is cut from this item's view

    @property
    def width(self) -> int:
        return self.window[2] - self.window[0]

    @property
    def height(self) -> int:
        return self.window[3] - self.window[1]


def class_names(scheme: str, tax: Taxonomy) -> list[str]:
    """Detector class names of a scheme (type = taxonomy.detector_classes, as the scorer expects)."""
    if scheme == "type":
        return list(tax.detector_classes)
    if scheme == "type_mount":
        return [f"{t}_{m}" for t in tax.detector_classes for m in tax.mounts]
    return ["camera"]


def class_index(box: Box, scheme: str, tax: Taxonomy) -> int:
    if scheme == "camera":
        return 0
    t = tax.class_id(box.type)  # unknown type -> class 0 (taxonomy's rule)
    if scheme == "type":
        return t
    m = tax.mounts.index(box.mount) if box.mount in tax.mounts else tax.mounts.index("other")
    return t * len(tax.mounts) + m


# ------------------------------------------------------------------------------------ planning
def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    if not path.is_file():
        raise FileNotFoundError(f"{path}: panorama image not found")
    try:
        with Image.open(path) as im:
            return im.size
    except Exception as exc:  # noqa: BLE001 - PIL raises many kinds
        raise ValueError(f"{path}: cannot read image: {exc}") from None


def _split_items(view: View, name: str, pano: Panorama, group: str, boxes: list[Box], xyxy: np.ndarray,
                 opts: BuildOptions, ignore: np.ndarray | None = None) -> list[Item]:
    windows = (tile_windows(view.width, view.height, opts.tile, opts.tile_overlap) if opts.tile
               else [(0, 0, view.width, view.height)])
    ignore = _ignored_away_from_labels(xyxy, ignore)
    items = []
    for win in windows:
        kept, idx, partial = boxes_in_window(xyxy, win, opts.min_visible)
        _, touching, _ = boxes_in_window(ignore, win, 1e-9)  # any part inside: greyed out
        masked = np.concatenate([xyxy[partial], ignore[touching]]).reshape(-1, 4)
        shifted = masked - np.array([win[0], win[1], win[0], win[1]], np.float64)
        tile_boxes = [Box(tuple(float(v) for v in kept[j]), **{k: getattr(boxes[i], k) for k in
                      ("camera_id", "type", "mount", "mount_detail", "weak", "heading", "pitch", "agreement")})
                      for j, i in enumerate(idx)]
        suffix = f"_t{win[0]}_{win[1]}" if opts.tile else ""
        items.append(Item(name + suffix, pano.pano_id, pano.intersection, group, view, win, tile_boxes,
                          shifted.reshape(-1, 4)))
    return items


def _ignored_away_from_labels(xyxy: np.ndarray, ignore: np.ndarray | None) -> np.ndarray:
    """The ignored boxes that touch no labelled box: greying one out must never hide a real label."""
    if ignore is None or not len(ignore):
        return np.zeros((0, 4))
    if not len(xyxy):
        return ignore
    ix = np.minimum(ignore[:, None, 2], xyxy[None, :, 2]) - np.maximum(ignore[:, None, 0], xyxy[None, :, 0])
    iy = np.minimum(ignore[:, None, 3], xyxy[None, :, 3]) - np.maximum(ignore[:, None, 1], xyxy[None, :, 1])
    return ignore[~((ix > 0) & (iy > 0)).any(axis=1)]


def _view_boxes(view: View, spheres: list[SphereCamera]) -> np.ndarray:
    """Sphere boxes of ``spheres`` in ``view`` pixels; cameras behind the view land far outside."""
    if not spheres:
        return np.zeros((0, 4))
    arr = np.array([(s.heading, s.pitch, s.ang_w, s.ang_h) for s in spheres])
    xyxy, visible = sphere_boxes_to_view(view, arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    return np.where(visible[:, None], xyxy, -1e6)  # invisible: far outside, frac 0


def plan_panorama_items(panos: list[Panorama], cameras_path: str | os.PathLike, opts: BuildOptions,
                        warnings: list[str], ignore_path: str | os.PathLike | None = None) -> list[Item]:
    """All candidate images (views or tiles) with their boxes; no pixels are read except image headers.

    ``ignore_path``: cameras in doubt (e.g. candidates the consensus did not keep, ``labels consensus
    --doubtful``): greyed out wherever they appear, so they are neither labels nor negatives."""
    cams = load_cameras(cameras_path)
    by_pano: dict[str, list] = defaultdict(list)
    for i, c in enumerate(cams):
        by_pano[c.image].append((i + 2, c))
    ignore_by_pano: dict[str, list] = defaultdict(list)
    for i, c in enumerate(load_cameras(ignore_path) if ignore_path else []):
        ignore_by_pano[c.image].append((i + 2, c))
    known = {p.pano_id for p in panos}
    orphans = sorted(set(by_pano) - known)
    if orphans:
        warnings.append(f"{len(orphans)} camera image(s) have no panorama (e.g. {orphans[0]!r}); their cameras are skipped")
    items: list[Item] = []
    for pano in panos:
        W, H = _image_size(pano.path)
        spheres: list[SphereCamera] = [to_sphere(c, W, H, pano.pano_heading, where=f"{cameras_path}:{line}")
                                       for line, c in by_pano.get(pano.pano_id, [])]
        boxes = [Box((0, 0, 0, 0), s.camera.camera_id, s.camera.type, s.camera.mount, s.camera.mount_detail,
                     s.weak, s.heading, s.pitch, s.camera.agreement) for s in spheres]
        doubtful = [to_sphere(c, W, H, pano.pano_heading, where=f"{ignore_path}:{line}")
                    for line, c in ignore_by_pano.get(pano.pano_id, [])]
        group = group_key(pano.intersection, pano.lat, pano.lon, opts.split.block_m)
        views = plan_views(pano.pano_id, opts.plan)
        per_view = [_view_boxes(view, spheres) for view in views]
        # Each camera's context crop comes from the view where its box is whole and most central.
        best: dict[int, int] = {}
        for ci, s in enumerate(spheres):
            cands = []
            for vi, view in enumerate(views):
                _, frac = clip_box(per_view[vi][ci], view.width, view.height)
                if frac >= 0.999:
                    cands.append((float(angular_distance(view.heading, view.pitch, s.heading, s.pitch)), vi))
            if cands:
                best[ci] = min(cands)[1]
        for vi, view in enumerate(views):
            view_items = _split_items(view, view.view_id, pano, group, boxes, per_view[vi], opts,
                                      _view_boxes(view, doubtful))
            crop_boxes = [Box(tuple(float(v) for v in per_view[vi][ci]), **{k: getattr(boxes[ci], k) for k in
                          ("camera_id", "type", "mount", "mount_detail", "weak", "heading", "pitch", "agreement")})
                          for ci, bv in best.items() if bv == vi]
            # attach crops to the item whose tile holds the camera (any item of this view works: the
            # crop is cut from the whole view before tiling)
            if crop_boxes:
                holder = next((it for it in view_items if it.boxes), view_items[0])
                holder.crops = crop_boxes
            items.extend(view_items)
    return items


def plan_photo_items(photos: list[Photo], opts: BuildOptions) -> list[Item]:
    """Candidate images from plain photos (boxes clipped to the photo; tiles when asked)."""
    items = []
    for ph in photos:
        W, H = _image_size(ph.path)
        boxes = [Box((0, 0, 0, 0), t.tag_id or f"{ph.key}#{i}", t.type, t.mount, t.mount_detail, t.weak)
                 for i, t in enumerate(ph.tags)]
        xyxy = np.array([t.box for t in ph.tags], np.float64).reshape(-1, 4)
        xyxy, _ = clip_box(xyxy, W, H) if len(xyxy) else (xyxy, None)
        xyxy = np.asarray(xyxy).reshape(-1, 4)
        ok = (xyxy[:, 2] - xyxy[:, 0] >= 1) & (xyxy[:, 3] - xyxy[:, 1] >= 1)
        boxes = [b for b, k in zip(boxes, ok) if k]
        xyxy = xyxy[ok]
        pano = Panorama(ph.key, ph.path, ph.group)
        stem = Path(ph.key).with_suffix("").as_posix().replace("/", "__")
        view = View(ph.key, math.nan, math.nan, math.nan, W, H)
        its = _split_items(view, stem, pano, ph.group, boxes, xyxy, opts)
        holder = next((it for it in its if it.boxes), its[0])
        holder.crops = [Box(tuple(float(v) for v in xyxy[i]), b.camera_id, b.type, b.mount, b.mount_detail, b.weak)
                        for i, b in enumerate(boxes)]
        items.extend(its)
    return items


def select_items(items: list[Item], opts: BuildOptions) -> list[Item]:
    """Assign splits by group and keep negatives at ``negatives_ratio`` per positive in each split."""
    if opts.splits_from:
        fixed = splits_of_dataset(Path(opts.splits_from))
        for it in items:
            if it.intersection not in fixed:
                raise ValueError(f"{splits_file(Path(opts.splits_from))}: intersection {it.intersection} is not in it "
                                 "(--splits-from must be a dataset of the same panoramas)")
            it.split = fixed[it.intersection]
    else:
        sizes: dict[str, float] = defaultdict(float)
        images: dict[str, float] = defaultdict(float)
        for it in items:  # balance positives; groups without any are balanced by their images on their own
            sizes[it.group] += 1.0 if it.boxes else 0.0
            images[it.group] += 1.0
        split_of = assign_splits(dict(sizes), opts.split, empty_sizes=dict(images))
        for it in items:
            it.split = split_of[it.group]
    if opts.negatives_ratio < 0:
        return items
    rng = random.Random(opts.split.seed + 1)
    keep = []
    for split in SPLITS:
        pos = [it for it in items if it.split == split and it.boxes]
        neg = [it for it in items if it.split == split and not it.boxes]
        n = min(len(neg), int(round(opts.negatives_ratio * len(pos))))
        keep.extend(pos + rng.sample(neg, n))
    return keep


# ------------------------------------------------------------------------------------ writing
def _write_jpeg(path: Path, image: np.ndarray, quality: int) -> None:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"{path}: could not encode JPEG")
    atomic_write_bytes(path, buf.tobytes())


def yolo_lines(item: Item, scheme: str, tax: Taxonomy) -> list[str]:
    """Ultralytics label lines (class cx cy w h, normalised) of one item."""
    return [yolo_line(class_index(b, scheme, tax), b.xyxy, item.width, item.height) for b in item.boxes]


def _mask(image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Grey out partly visible cameras (filled with the image mean) so they teach neither class."""
    if not len(boxes):
        return image
    image = image.copy()
    fill = image.reshape(-1, image.shape[-1]).mean(axis=0)
    h, w = image.shape[:2]
    for x1, y1, x2, y2 in boxes:
        xa, ya = max(0, int(math.floor(x1)) - 1), max(0, int(math.floor(y1)) - 1)
        xb, yb = min(w, int(math.ceil(x2)) + 1), min(h, int(math.ceil(y2)) + 1)
        image[ya:yb, xa:xb] = fill
    return image


def _crop_path(out: Path, split: str, b: Box) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in b.camera_id)
    return out / "crops" / split / (b.mount or "other") / f"{safe}.jpg"


def write_items(items: list[Item], loaders: dict[str, Callable[[], tuple[np.ndarray, float]]], out: Path,
                opts: BuildOptions, tax: Taxonomy, progress: bool = True) -> dict[str, int]:
    """Cut and write every item, decoding each source image once; skips files already written."""
    from tqdm import tqdm

    by_source: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by_source[it.source].append(it)
    stats = {"written": 0, "skipped": 0, "crops": 0}
    for source, its in tqdm(by_source.items(), desc="dataset build", unit="image", disable=not progress):
        todo = []
        for it in its:
            img_path = out / "images" / it.split / f"{it.name}.jpg"
            lbl_path = out / "labels" / it.split / f"{it.name}.txt"
            crops_done = all(_crop_path(out, it.split, b).is_file() for b in it.crops) if opts.crops else True
            if img_path.is_file() and lbl_path.is_file() and crops_done:
                stats["skipped"] += 1
            else:
                todo.append((it, img_path, lbl_path))
        if not todo:
            continue
        src, pano_heading = loaders[source]()
        views: dict[tuple, np.ndarray] = {}
        for it, img_path, lbl_path in todo:
            if it.view is not None and math.isfinite(it.view.fov):
                key = (it.view.heading, it.view.pitch)
                if key not in views:
                    views[key] = cut_view(src, it.view, pano_heading)
                full = views[key]
            else:
                full = src
            x0, y0, x1, y1 = it.window
            image = _mask(full[y0:y1, x0:x1], it.masked)
            if opts.crops:
                for b in it.crops:
                    _write_jpeg(_crop_path(out, it.split, b), context_crop(full, b.xyxy, opts.crop_context,
                                                                           size=opts.crop_size), 95)
                    stats["crops"] += 1
            _write_jpeg(img_path, image, opts.jpeg_quality)
            write_yolo_labels(lbl_path, yolo_lines(it, opts.classes, tax))
            stats["written"] += 1
    return stats


def read_bgr(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: cannot decode image")
    return image


def write_tables(items: list[Item], out: Path, opts: BuildOptions, tax: Taxonomy) -> None:
    """data.yaml, views.csv, boxes.csv, crops.csv (atomic)."""
    names = class_names(opts.classes, tax)
    data = {"train": "images/train", "val": "images/val", "test": "images/test", "nc": len(names),
            "names": dict(enumerate(names))}
    atomic_write_text(out / "data.yaml", "# written by camdetect dataset build; no `path:` key so the folder can move\n"
                      + yaml.safe_dump(data, sort_keys=False))
    with atomic_open(out / "views.csv", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(VIEW_COLUMNS)
        for it in sorted(items, key=lambda i: (i.split, i.name)):
            v = it.view
            tiled = bool(opts.tile)
            w.writerow([f"images/{it.split}/{it.name}.jpg", it.split, it.source, it.intersection,
                        "" if v is None or math.isnan(v.heading) else round(v.heading, 4),
                        "" if v is None or math.isnan(v.pitch) else round(v.pitch, 4),
                        "" if v is None or math.isnan(v.fov) else round(v.fov, 4), it.width, it.height,
                        it.window[0] if tiled else "", it.window[1] if tiled else "", len(it.boxes), len(it.masked)])
    tags = []
    for it in sorted(items, key=lambda i: (i.split, i.name)):
        v = it.view
        whole = v is not None and not opts.tile and math.isfinite(v.fov)
        for b in it.boxes:
            tags.append(Tag(source="dataset", image=f"images/{it.split}/{it.name}.jpg", annotator="consensus",
                            tag_id=b.camera_id, type=b.type, mount=b.mount, mount_detail=b.mount_detail,
                            heading=b.heading, pitch=b.pitch, x1=b.xyxy[0], y1=b.xyxy[1], x2=b.xyxy[2],
                            y2=b.xyxy[3], image_width=it.width, image_height=it.height,
                            view_heading=v.heading if whole else math.nan, view_pitch=v.pitch if whole else math.nan,
                            view_fov=v.fov if whole else math.nan, intersection=it.intersection,
                            weak=b.weak))
    write_table(out / "boxes.csv", tags, Tag)
    if opts.crops:
        for split in SPLITS:  # every mount folder in every split: the classifier's class list is the taxonomy's
            for m in tax.mounts:
                (out / "crops" / split / m).mkdir(parents=True, exist_ok=True)
        with atomic_open(out / "crops.csv", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "split", "camera_id", "type", "mount", "mount_detail", "weak", "intersection"])
            for it in items:
                for b in it.crops:
                    w.writerow([_crop_path(out, it.split, b).relative_to(out).as_posix(), it.split, b.camera_id,
                                b.type, b.mount, b.mount_detail, int(b.weak), it.intersection])


def _guard_resume(out: Path, opts: BuildOptions, sources: dict) -> None:
    """Resuming is only safe with the same options: refuse to mix two builds in one folder."""
    import json

    from camdetect.dataset.card import _options_dict

    path = out / "dataset.json"
    if not path.is_file():
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return
    old = doc.get("options")
    was, now = str((doc.get("sources") or {}).get("ignore") or ""), str(sources.get("ignore") or "")
    if was != now:  # masked pixels differ: images already written would be wrong
        raise ValueError(f"{path}: {out} was built with --ignore {was or '(none)'}, now {now or '(none)'}; "
                         "use a new --out or delete it")
    if old is not None:  # an option added since the dataset was built counts as its default
        old = {**{k: v for k, v in _options_dict(type(opts)()).items() if k not in old}, **old}
    if old is not None and old != _options_dict(opts):
        changed = sorted(k for k in _options_dict(opts) if old.get(k) != _options_dict(opts)[k])
        raise ValueError(f"{path}: {out} was built with other options ({', '.join(changed)} differ); "
                         "use a new --out or delete it")


def build_dataset(out: str | os.PathLike, *, panoramas: str | os.PathLike | None = None,
                  cameras: str | os.PathLike | None = None, images: str | os.PathLike | None = None,
                  tags: str | os.PathLike | None = None, opts: BuildOptions | None = None,
                  progress: bool = True, command: str = "", ignore: str | os.PathLike | None = None) -> dict:
    """Build (or resume) a dataset in ``out``; returns the summary also written to dataset.json.

    Panorama mode: ``panoramas`` + ``cameras``. Photo mode (images that are already views, e.g. a VOC
    export): ``images`` + ``tags`` (a Tag table from `camdetect labels import`).
    """
    from camdetect.dataset.card import write_card

    opts = opts or BuildOptions()
    out = Path(out)
    tax = load_taxonomy()
    warnings: list[str] = []
    loaders: dict[str, Callable[[], tuple[np.ndarray, float]]] = {}
    if panoramas is not None:
        if cameras is None:
            raise ValueError("--cameras is required with --panoramas")
        panos = load_panoramas(panoramas)
        items = plan_panorama_items(panos, cameras, opts, warnings, ignore)
        for p in panos:
            loaders[p.pano_id] = (lambda p=p: (read_bgr(p.path), p.pano_heading))
        mode = "panoramas"
    elif images is not None:
        if ignore is not None:
            raise ValueError("--ignore works with --panoramas (cameras on the sphere), not with --images")
        if tags is None:
            raise ValueError("--tags is required with --images")
        photos = load_photos(images, tags)
        items = plan_photo_items(photos, opts)
        for ph in photos:
            loaders[ph.key] = (lambda ph=ph: (read_bgr(ph.path), 0.0))
        mode = "photos"
    else:
        raise ValueError("give --panoramas and --cameras, or --images and --tags")
    every = items
    items = select_items(items, opts)  # sets the split of every item, keeps some negatives
    if not any(it.boxes for it in items):
        raise ValueError(f"{cameras or tags}: no camera box falls inside any view; nothing to train on")
    sources = {"panoramas": panoramas, "cameras": cameras, "images": images, "tags": tags}
    if ignore is not None:  # recorded only when used: datasets built before --ignore still resume
        sources["ignore"] = ignore
    _guard_resume(out, opts, sources)
    out.mkdir(parents=True, exist_ok=True)
    stats = write_items(items, loaders, out, opts, tax, progress)
    write_tables(items, out, opts, tax)
    write_csv(out / "splits.csv", ({"intersection": i, "split": sp} for i, sp in sorted({(it.intersection, it.split)
                                                                                      for it in every})),
              ["intersection", "split"])  # every intersection, whether or not a view of it was kept
    summary = write_card(out, items, opts, tax, mode=mode, warnings=warnings, command=command,
                         sources={k: str(v or "") for k, v in sources.items()})
    summary["write"] = stats
    return summary

