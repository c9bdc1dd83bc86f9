"""The local batch scorer: jobs -> (threaded decode, cut, tile) -> batched inference -> merge -> outputs.

Four stages overlap (PIL, cv2, ONNX Runtime and OpenVINO all release the GIL): a small thread pool decodes and
cuts jobs ahead of inference; one feeder thread letterboxes the next batch into its float blob while
``streams`` inference threads run the batches before it (each its own ONNX Runtime session with its share of
the threads; the score threshold + NMS run there too); one writer thread merges finished jobs and writes them.
Units (network inputs) of many jobs share a batch; units of different input sizes (``--layout
whole:size=640`` beside 320 px tiles) go to separate batches. A job (one view image or one whole panorama) is
the unit of completion: its suggestions are written only when all its views are scored, which is what makes
sphere merging and resume exact.
Memory: ``prefetch`` decoded jobs ahead, more only while they would not fill the batches in flight (one-view
jobs: up to ``batch * (streams + 1)``); a panorama is dropped as soon as its views are cut; units are zero-copy
windows of the views; float blobs exist for at most ``streams + 1`` batches at a time, whatever the number of
tiles per job.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from camdetect.durable import atomic_write_bytes
from camdetect.records import Detections, Suggestion, View
from camdetect.scoring.inputs import Job, decode_job, discover
from camdetect.scoring.letterbox import LetterboxParams, to_blob
from camdetect.scoring.nms import DEFAULT_NMS, parse_nms
from camdetect.scoring.runtime import DEFAULT_RUNTIME, Runtime
from camdetect.scoring.tile_policy import DEFAULT_SPEC, TilePolicy
from camdetect.scoring.tiling import DEFAULT_LAYOUT, KindLayouts, TileLayout, merge_tiles, tile_size_for


def auto_streams(threads: int | None) -> int:
    """Two inference streams wherever there are two threads: on the 2-core dev box two one-thread streams beat
    one two-thread stream for every model and runtime measured (1.1-1.4x, docs/scoring.md "Streams"), and a
    stream's one thread is not held up at a barrier when a decode thread takes its core."""
    return 2 if int(threads or os.cpu_count() or 1) >= 2 else 1


def inflight_batches(streams: int) -> int:
    """Float blobs alive at once: one per stream running + the one the feeder thread prepares."""
    return streams + 1


@dataclass
class ScoreConfig:
    model: Path
    input: Path
    db: str
    out: Path | None = None
    media: Path | None = None
    batch: int = 8
    threads: int | None = None
    tile: int = -1  # -1 auto, 0 off, N tile side in pixels
    conf: float | None = None
    iou: float | None = None
    kind: str = "auto"
    plan: Path | None = None  # view plan YAML for panoramas (default configs/views/default.yaml)
    prefetch: int = 2
    limit: int | None = None
    progress: bool = True
    spot_share: float = 0.05  # views without suggestions written to --media as spot-check candidates
    skip_tiles: TilePolicy | str = DEFAULT_SPEC  # tile policy (camdetect.scoring.tile_policy), --skip-tiles
    layout: KindLayouts | TileLayout | str = DEFAULT_LAYOUT  # network inputs per view and kind (tiling), --layout
    verifier: Path | None = None  # second-look crop classifier (camdetect.verifier), --verifier
    runtime: Runtime | str = DEFAULT_RUNTIME  # the library that runs the ONNX graphs (scoring.runtime), --runtime
    streams: int = 0  # batches inferred at once, each on threads/streams threads; 0: auto_streams(), --streams
    nms: str = DEFAULT_NMS  # class | agnostic: suppression within a class or across classes (scoring.nms), --nms


@dataclass
class Unit:
    """One network input: a view, or a tile of a view (``origin`` = tile offset in the view; ``image`` is a
    zero-copy window of the view). ``size``: the network input (h, w) it is letterboxed to (fed as is when
    it already has that size); units are batched per size."""

    job_index: int
    view_index: int
    image: np.ndarray
    size: tuple[int, int]
    origin: tuple[int, int] = (0, 0)


@dataclass
class Prepared:
    """A decoded job: its views (pixels kept until the job is finished, for media and crops)."""

    index: int
    job: Job
    views: list[View] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    reason: str = ""
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    tiles: int = 0  # tile windows cut (scored or skipped by the tile policy)
    tiles_skipped: Counter = field(default_factory=Counter)  # tile policy reason -> tiles not inferred


@dataclass
class ScoreSummary:
    jobs: int = 0
    skipped_done: int = 0
    scored: int = 0
    views: int = 0
    units: int = 0
    suggestions: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0  # model load, store open/migrate, input listing, resume set
    reasons: Counter = field(default_factory=Counter)  # skipped: reason -> count
    notes: Counter = field(default_factory=Counter)  # handled oddities -> count
    tiles: int = 0  # tile windows cut; units = views' whole passes + tiles - skipped tiles
    tiles_skipped: Counter = field(default_factory=Counter)  # tile policy reason -> tiles not inferred
    tile_policy: dict = field(default_factory=dict)  # the policy's settings, so the run can be reproduced
    layout: dict = field(default_factory=dict)  # the tile layout's settings (--layout)
    runtime: dict = field(default_factory=dict)  # the ONNX runtime and its precision (--runtime)
    nms: str = DEFAULT_NMS  # suppression across classes or within each (--nms)
    view_plan: dict = field(default_factory=dict)  # the panorama views cut (--plan): eval counts cameras none shows

    def add_tiles(self, meta: dict) -> None:
        """Count one image's tiles from its stored meta (both engines)."""
        self.tiles += int(meta.get("tiles", 0))
        self.tiles_skipped.update(meta.get("tiles_skipped") or {})

    @property
    def views_per_s(self) -> float:
        return self.views / self.seconds if self.seconds else 0.0

    @property
    def steady_views_per_s(self) -> float:
        busy = self.seconds - self.startup_seconds
        return self.views / busy if busy > 0 else 0.0

    def to_json(self) -> dict:
        d = asdict(self)
        d.update(reasons=dict(self.reasons), notes=dict(self.notes), views_per_s=round(self.views_per_s, 2),
                 steady_views_per_s=round(self.steady_views_per_s, 2), tiles_skipped=dict(self.tiles_skipped),
                 tiles_skipped_share=round(sum(self.tiles_skipped.values()) / self.tiles, 4) if self.tiles else 0.0)
        return d


def cv2_error() -> type:
    import cv2

    return cv2.error


def dynamic_hw(detector) -> bool:
    """Whether the ONNX model takes any height/width (exported with dynamic axes), not only its imgsz."""
    return not all(isinstance(d, int) for d in detector.session.input_shape[2:])


def suggestion_key(model: str, image_key: str, view: View, xyxy, class_id: int) -> str:
    """Deterministic: the same model on the same image gives the same key (idempotent inserts)."""
    box = ",".join(str(int(round(float(v)))) for v in xyxy)
    raw = f"{model}|{image_key}|{view.view_id}|{box}|{class_id}"
    return hashlib.sha1(raw.encode()).hexdigest()[:20]


def mount_crop_settings(metadata) -> tuple[float, int]:
    """(context, size) of the crop the mount classifier was trained on (camdetect.dataset.crops; stored
    in the ONNX metadata at export), the dataset defaults for models exported without it."""
    from camdetect.dataset.crops import DEFAULT_CONTEXT, DEFAULT_SIZE

    crop = dict(metadata.training_run.get("crop") or {})
    return float(crop.get("context") or DEFAULT_CONTEXT), int(crop.get("size") or DEFAULT_SIZE)


class Scorer:
    """Everything about one model that does not touch the outputs: prepare jobs, infer, build suggestions.

    Shared by the local pipeline and the Ray actors.
    """

    def __init__(self, model: str | os.PathLike, threads: int | None = None, batch: int = 8, tile: int = -1,
                 conf: float | None = None, iou: float | None = None, plan=None, media: Path | None = None,
                 mount_model: str | os.PathLike | None = None, spot_share: float = 0.05,
                 tile_policy: TilePolicy | str | None = DEFAULT_SPEC,
                 layout: KindLayouts | TileLayout | str | None = None, verifier: str | os.PathLike | None = None,
                 runtime: Runtime | str | None = None, streams: int = 1, nms: str | None = None):
        from camdetect.geometry import ViewPlan
        from camdetect.scoring.detector import OnnxDetector
        from camdetect.taxonomy import load_taxonomy
        from camdetect.verifier.model import load_verifier, paired_name

        asked = Runtime.parse(runtime)
        self.detector = OnnxDetector(model, threads=threads, batch=batch, runtime=asked, streams=streams)
        self.streams = self.detector.session.streams  # batches run_jobs runs at once
        self.runtime = self.detector.session.runtime  # ``auto`` resolved: the library that runs the detector
        self.runtime_asked = asked
        self.conf = self.detector.conf if conf is None else conf
        # a second look rescores candidates: the detector then keeps every box that could still pass, and the
        # pair is a model of its own (its own suggestion keys and done-images in the store)
        self.verifier = load_verifier(verifier, threads=threads, runtime=asked)
        self.model_name = paired_name(self.detector.name, self.verifier.name if self.verifier else "")
        self.det_conf = self.verifier.candidate_floor(self.conf) if self.verifier else self.conf
        self.iou = self.detector.iou if iou is None else iou
        self.nms = parse_nms(nms)
        self.tile = tile
        self.tile_policy = TilePolicy.parse(tile_policy)
        self.layout = KindLayouts.parse(layout)
        if not dynamic_hw(self.detector):
            self.layout = self.layout.without_sizes()  # auto: panoramas tiled too
            for one in (self.layout.panorama, self.layout.view):
                if tuple(one.whole_input(self.detector.imgsz)) != tuple(self.detector.imgsz):
                    raise ValueError(f"--layout {one.label}: {model} has a fixed input size {self.detector.imgsz}; "
                                     "size= needs a model exported with dynamic height/width")
        self.train_tile = int(self.detector.metadata.training_run.get("tile") or 0)
        self.plan = plan if isinstance(plan, ViewPlan) else ViewPlan.from_yaml(plan)
        self.media = Path(media) if media else None
        if not 0.0 <= spot_share <= 1.0:
            raise ValueError(f"spot share must be in [0, 1], got {spot_share}")
        self.spot_share = spot_share
        self.taxonomy = load_taxonomy()
        # the run's second model (exported beside the detector as NAME-mount.onnx) classifies mounts
        sibling = Path(model).with_name(Path(model).stem + "-mount.onnx")
        mount_model = mount_model or (sibling if sibling.is_file() else None)
        self.mount = None
        if mount_model:
            from camdetect.scoring.detector import OnnxClassifier

            self.mount = OnnxClassifier(mount_model, threads=threads, runtime=asked)
            self.mount_crop = mount_crop_settings(self.mount.metadata)

    # -- stage 1: decode (thread pool) -------------------------------------------------------
    def prepare(self, index: int, job: Job) -> Prepared:
        """Decode + cut + tile one job; any failure becomes a counted reason, never a crash."""
        try:
            return self._prepare(index, job)
        except (MemoryError, ValueError, OSError, cv2_error()) as exc:
            return Prepared(index, job, reason=f"failed: {type(exc).__name__}")

    def _prepare(self, index: int, job: Job) -> Prepared:
        from camdetect.geometry import cut_view, plan_views

        t = time.perf_counter()
        prep = Prepared(index, job)
        dec = decode_job(job)
        prep.reason, prep.notes = dec.reason, dec.notes + job.notes
        if dec.image is None:
            return prep
        img = dec.image
        h, w = img.shape[:2]
        if job.kind == "panorama":
            views = plan_views(job.pano_id or job.key, self.plan)
            prep.views = views
            prep.images = [cut_view(img, v, job.pano_heading) for v in views]
            del img, dec  # the panorama is dropped here: only the cut views stay alive
        else:
            if not math.isnan(job.fov):
                view = View(job.pano_id or job.key, job.heading, job.pitch, job.fov, w, h)
            else:  # a plain photo: no geometry; View only carries the size and the id
                view = View(job.key, math.nan, math.nan, math.nan, w, h)
            prep.views, prep.images = [view], [img]
        layout = self.layout.for_kind(job.kind)
        for vi, im in enumerate(prep.images):
            prep.tiles += self.view_units(prep.units, prep.tiles_skipped, index, vi, prep.views[vi], im, layout)
        prep.seconds = time.perf_counter() - t
        return prep

    def view_units(self, units: list[Unit], skipped: Counter, index: int, vi: int, view: View,
                   im: np.ndarray, layout: TileLayout | None = None) -> int:
        """Append one view's network inputs to ``units`` as ``layout`` says (``tiling.TileLayout``; None: the
        view layout): the whole view, and (large views) the layout's tiles that the tile policy keeps; skipped
        tiles are counted in ``skipped`` by reason. Returns the tiles cut."""
        layout = layout or self.layout.view
        vh, vw = im.shape[:2]
        tile = tile_size_for(vw, vh, max(self.detector.imgsz), layout.tile or self.tile, self.train_tile)
        windows = layout.windows(vw, vh, tile)
        if layout.has_whole_pass(bool(windows)):  # it catches objects bigger than a tile
            units.append(Unit(index, vi, im, size=tuple(layout.whole_input(self.detector.imgsz))))
        imgsz = tuple(self.detector.imgsz)
        for (x1, y1, x2, y2), why in zip(windows, self.tile_policy.decide(view, im, windows)):
            if why:  # cannot hold a camera (tile_policy): not inferred
                skipped[why] += 1
            else:
                units.append(Unit(index, vi, im[y1:y2, x1:x2], size=imgsz, origin=(x1, y1)))
        return len(windows)

    def detect_view(self, image: np.ndarray, view: View | None = None, stats: Counter | None = None,
                    kind: str = "view") -> Detections:
        """Detections of one in-memory view, exactly as a job's view is scored (whole pass + kept tiles,
        IoS merge; ``kind`` "panorama": a view cut from a panorama, with that kind's layout); ``view`` None = a
        photo without geometry. ``stats`` gains ``tiles`` (cut) and the skipped tiles per reason. For
        benchmarks and evaluations."""
        h, w = image.shape[:2]
        view = view or View("image", math.nan, math.nan, math.nan, w, h)
        units: list[Unit] = []
        skipped: Counter = Counter()
        cut = self.view_units(units, skipped, 0, 0, view, image, self.layout.for_kind(kind))
        if stats is not None:
            stats["tiles"] += cut
            stats.update(skipped)
        dets = self.infer(units)
        if len(units) == 1 and units[0].origin == (0, 0):
            return self.second_look(image, dets[0])
        return self.second_look(image, merge_tiles(dets, [u.origin for u in units], agnostic=self.agnostic))

    def second_look(self, image: np.ndarray, det: Detections) -> Detections:
        """The verifier's rescoring of one view's merged detections, then the score threshold (as is without one)."""
        if self.verifier is None or not len(det):
            return det
        det = self.verifier.rescore(image, det)
        return det[det.scores >= self.conf]

    @property
    def agnostic(self) -> bool:
        """Suppress across classes (``--nms agnostic``): one suggestion per object."""
        return self.nms == "agnostic"

    # -- stage 2: inference (caller's thread) -----------------------------------------------
    @staticmethod
    def make_batch(units: list[Unit]) -> tuple[np.ndarray, list[LetterboxParams]]:
        """The float blob of units that share one input size (run_jobs' feeder thread)."""
        return to_blob([u.image for u in units], units[0].size)

    def run_batch(self, blob: np.ndarray, params: list[LetterboxParams]) -> list[Detections]:
        """ORT + score threshold + NMS + un-letterbox of one batch."""
        from camdetect.scoring.decode import decode_batch

        return decode_batch(self.detector.run_blob(blob), params, self.det_conf, self.iou,
                            class_agnostic=self.agnostic)

    def infer(self, units: list[Unit]) -> list[Detections]:
        """Detections per unit, in order; units of one input size share batches of ``detector.batch``."""
        out: list[Detections | None] = [None] * len(units)
        by_size: dict[tuple[int, int], list[int]] = {}
        for i, u in enumerate(units):
            by_size.setdefault(tuple(u.size), []).append(i)
        for idx in by_size.values():
            for b in range(0, len(idx), self.detector.batch):
                chunk = idx[b:b + self.detector.batch]
                for i, d in zip(chunk, self.run_batch(*self.make_batch([units[i] for i in chunk]))):
                    out[i] = d
        return out

    # -- stage 3: per-job merge and suggestions -----------------------------------------------
    def view_detections(self, prep: Prepared, unit_dets: list[tuple[Unit, Detections]]) -> list[Detections]:
        per_view: list[list[tuple[Unit, Detections]]] = [[] for _ in prep.views]
        for u, d in unit_dets:
            per_view[u.view_index].append((u, d))
        out = []
        for vi, parts in enumerate(per_view):
            if len(parts) == 1 and parts[0][0].origin == (0, 0):
                det = parts[0][1]
            else:
                det = merge_tiles([d for _, d in parts], [u.origin for u, _ in parts], agnostic=self.agnostic)
            out.append(self.second_look(prep.images[vi], det))
        return out

    def suggestions(self, prep: Prepared, dets: list[Detections]) -> list[Suggestion]:
        """One suggestion per camera: merged across views on the sphere for panoramas."""
        job = prep.job
        names = self.detector.class_names
        picks: list[tuple[int, int, float, float]] = []  # (view, det, heading, pitch)
        has_geometry = all(not math.isnan(v.fov) for v in prep.views)
        if has_geometry:
            from camdetect.scoring.sphere_merge import merge_on_sphere

            for sd in merge_on_sphere(prep.views, dets):
                picks.append((sd.view_index, sd.det_index, sd.heading, sd.pitch))
        else:
            for vi, d in enumerate(dets):
                picks += [(vi, di, math.nan, math.nan) for di in range(len(d))]
        created = datetime.now(UTC).isoformat(timespec="seconds")
        out = []
        for vi, di, heading, pitch in picks:
            view, det = prep.views[vi], dets[vi]
            xyxy = det.xyxy[di]
            cid = int(det.class_ids[di])
            type_ = names[cid] if cid < len(names) else "unknown"
            out.append(Suggestion(
                key=suggestion_key(self.model_name, job.key, view, xyxy, cid),
                intersection=job.intersection, pano_id=job.pano_id, image_path=self.media_path(prep, vi),
                view_heading=view.heading, view_pitch=view.pitch, view_fov=view.fov,
                image_width=view.width, image_height=view.height,
                x1=float(xyxy[0]), y1=float(xyxy[1]), x2=float(xyxy[2]), y2=float(xyxy[3]),
                score=float(det.scores[di]), type=self.taxonomy.map_type(type_, strict=False),
                type_score=float(det.scores[di]), heading=heading, pitch=pitch,
                lat=job.lat, lon=job.lon, model=self.model_name, created=created))
        if self.mount is not None and out:
            self.classify_mounts(prep, picks, out)
        out.sort(key=lambda s: -s.score)
        unique: dict[str, Suggestion] = {}
        for s in out:  # boxes clipped to the border can coincide after NMS: keep the best
            unique.setdefault(s.key, s)
        return list(unique.values())

    def classify_mounts(self, prep: Prepared, picks: list, out: list[Suggestion]) -> None:
        """Mount (and its probability) from the second model, on the same context crop the classifier was
        trained on (camdetect.dataset.crops.context_crop with the run's context/size, stored at export):
        what a camera hangs on is mostly outside its own box."""
        from camdetect.dataset.crops import DEFAULT_MIN_SIDE, context_crop

        context, size = self.mount_crop
        crops = [context_crop(prep.images[vi], (s.x1, s.y1, s.x2, s.y2), context, DEFAULT_MIN_SIDE, size)
                 for (vi, _, _, _), s in zip(picks, out)]
        probs = self.mount.predict(crops)
        for s, p in zip(out, probs):
            k = int(np.argmax(p))
            s.mount = self.taxonomy.map_mount(self.mount.class_names[k], strict=False)
            s.mount_score = float(p[k])

    def media_path(self, prep: Prepared, view_index: int) -> str:
        """Where the view JPEG lives, relative to the media folder."""
        view = prep.views[view_index]
        if prep.job.kind == "panorama" or not math.isnan(view.fov):
            return f"{self.model_name}/{view.view_id}.jpg"
        return f"{self.model_name}/{Path(prep.job.key).with_suffix('.jpg').as_posix()}"

    def spot_views(self, prep: Prepared, suggestions: list[Suggestion]) -> list[int]:
        """Views without suggestions that the review app will offer as spot checks (searched in full,
        to measure what the model misses): the same deterministic ``spot_rank < share`` rule as the store,
        so only those views cost a JPEG. Empty without ``--media``."""
        if self.media is None or self.spot_share <= 0 or prep.reason:
            return []
        from camdetect.store.store import spot_rank

        used = {s.image_path for s in suggestions}
        return [vi for vi in range(len(prep.views)) if (rel := self.media_path(prep, vi)) not in used
                and spot_rank(rel) < self.spot_share]

    def write_media(self, prep: Prepared, suggestions: list[Suggestion]) -> None:
        """Write (atomically) the view JPEGs the suggestions live on, and the spot-check views."""
        import cv2

        if self.media is None:
            return
        wanted = {s.image_path for s in suggestions}
        spots = set(self.spot_views(prep, suggestions))
        for vi in range(len(prep.views)):
            rel = self.media_path(prep, vi)
            if rel not in wanted and vi not in spots:
                continue
            path = self.media / rel
            if path.exists():
                continue
            ok, buf = cv2.imencode(".jpg", prep.images[vi], [cv2.IMWRITE_JPEG_QUALITY, 92])
            if not ok:
                raise ValueError(f"{prep.job.path}: cannot encode view {rel}")
            atomic_write_bytes(path, buf.tobytes())

    def meta(self, prep: Prepared, suggestions: list[Suggestion]) -> dict:
        """Stored with the image's done mark; ``view_images`` registers the spot-check views (store contract)."""
        job = prep.job
        views = []
        for vi in self.spot_views(prep, suggestions):
            v = prep.views[vi]
            views.append({"image_path": self.media_path(prep, vi), "pano_id": job.pano_id,
                          "intersection": job.intersection, "view_heading": v.heading, "view_pitch": v.pitch,
                          "view_fov": v.fov, "width": v.width, "height": v.height, "lat": job.lat, "lon": job.lon})
        return {"path": str(job.path), "kind": job.kind, "views": len(prep.views), "suggestions": len(suggestions),
                "skipped": prep.reason, "notes": list(prep.notes), "view_images": views,
                "tiles": prep.tiles, "tiles_skipped": dict(prep.tiles_skipped)}


def run_jobs(scorer: Scorer, jobs: list[Job], batch: int, prefetch: int = 2, on_done=None, progress=None):
    """Score ``jobs`` in order, calling ``on_done(prep, suggestions)`` per finished job.

    Decoding + cutting run ``prefetch`` jobs ahead in threads; units from several jobs fill one ORT batch
    (one queue per network input size); a feeder thread makes the next batch's float blob while
    ``scorer.streams`` inference threads run the batches before it (at most ``inflight_batches(streams)``
    blobs alive); finished jobs are merged and written by one writer thread, in order, while inference runs.
    Batches may finish out of order; a job is merged in its own unit order, so results do not depend on it.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, prefetch), thread_name_prefix="decode")
    feeder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob")
    infer = ThreadPoolExecutor(max_workers=scorer.streams, thread_name_prefix="infer")
    # one writer thread: merge + suggestions + outputs of finished jobs, in order, overlapped with inference
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write")
    most = inflight_batches(scorer.streams)
    written: deque = deque()
    futures: deque = deque()
    it = iter(enumerate(jobs))

    per_job = [batch]  # units of the last decoded job (before the first: as if it filled a batch)

    def fill():
        # ``prefetch`` jobs ahead, and more while the units coming (estimated from the last job) and waiting do
        # not fill the batches in flight: one-view jobs would otherwise reach inference as batches of one or
        # two, while a panorama's 10-100 units keep it at ``prefetch``
        while len(futures) < max(1, prefetch) or \
                len(futures) * per_job[0] + sum(map(len, queues.values())) < batch * most:
            nxt = next(it, None)
            if nxt is None:
                return
            futures.append(pool.submit(scorer.prepare, *nxt))

    pending: deque[Prepared] = deque()  # jobs whose units are (partly) waiting for inference
    queues: dict[tuple[int, int], list[Unit]] = {}  # network input size -> units waiting for a batch
    inflight: deque = deque()  # (units, future of their detections): batches handed to the feeder + streams
    results: dict[int, list[tuple[Unit, Detections]]] = {}

    def finish_ready():
        while pending:
            prep = pending[0]
            got = results.get(prep.index, [])
            if len(got) < len(prep.units):
                return
            pending.popleft()
            results.pop(prep.index, None)
            written.append(writer.submit(finish, prep, got))
            while written and (written[0].done() or len(written) > max(2, prefetch)):
                written.popleft().result()  # bounded backlog; re-raises a writer error here

    def finish(prep: Prepared, got: list[tuple[Unit, Detections]]) -> None:
        order = {id(u): i for i, u in enumerate(prep.units)}  # batches of other sizes may finish first:
        got.sort(key=lambda ud: order[id(ud[0])])  # merge in the job's own unit order (deterministic)
        dets = scorer.view_detections(prep, got) if prep.units else []
        sugg = scorer.suggestions(prep, dets) if prep.units else []
        on_done(prep, sugg)

    def detect(blob_future) -> list[Detections]:
        blob, params = blob_future.result()
        return scorer.run_batch(blob, params)

    def collect_one():
        """Wait for the oldest batch and file its detections."""
        units, dets_future = inflight.popleft()
        for u, d in zip(units, dets_future.result()):
            results.setdefault(u.job_index, []).append((u, d))
        finish_ready()

    def submit(size: tuple[int, int], n: int):
        """Hand the first ``n`` units of a size's queue to the feeder and the streams; wait for the oldest
        batch while ``most`` are in flight."""
        chunk, rest = queues[size][:n], queues[size][n:]
        if rest:
            queues[size] = rest
        else:
            del queues[size]
        inflight.append((chunk, infer.submit(detect, feeder.submit(scorer.make_batch, chunk))))
        while len(inflight) >= most:
            collect_one()

    try:
        fill()
        while futures:
            while not futures[0].done() and (inflight or queues):  # decoding is behind: run what we have
                if queues and len(inflight) < scorer.streams:  # a stream would idle: a partial batch
                    submit(max(queues, key=lambda k: len(queues[k])), batch)
                    continue
                wait([futures[0], inflight[0][1]], return_when=FIRST_COMPLETED)
                if inflight[0][1].done():
                    collect_one()
            prep = futures.popleft().result()
            per_job[0] = max(1, len(prep.units))
            fill()
            pending.append(prep)
            for u in prep.units:
                queues.setdefault(tuple(u.size), []).append(u)
            for size in list(queues):
                while len(queues.get(size, ())) >= batch:
                    submit(size, batch)
            finish_ready()
        while queues:
            submit(next(iter(queues)), batch)
        while inflight:
            collect_one()
        finish_ready()
        while written:
            written.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        feeder.shutdown(wait=True, cancel_futures=True)
        infer.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True)


def score(cfg: ScoreConfig) -> ScoreSummary:
    """``camdetect score`` with the local engine; resumable (skips images the store has done)."""
    from tqdm import tqdm

    from camdetect.durable import JsonlLedger
    from camdetect.scoring.outputs import open_sink

    t0 = time.perf_counter()
    scorer = Scorer(cfg.model, threads=cfg.threads, batch=cfg.batch, tile=cfg.tile, conf=cfg.conf, iou=cfg.iou,
                    plan=cfg.plan, media=cfg.media, spot_share=cfg.spot_share, tile_policy=cfg.skip_tiles,
                    layout=cfg.layout, verifier=cfg.verifier, runtime=cfg.runtime,
                    streams=cfg.streams or auto_streams(cfg.threads), nms=cfg.nms)
    jobs = discover(cfg.input, cfg.kind)
    if cfg.limit:
        jobs = jobs[: cfg.limit]
    sink = open_sink(cfg.db)
    done = sink.done_images(scorer.model_name)
    todo = [j for j in jobs if j.key not in done]
    summary = ScoreSummary(jobs=len(jobs), skipped_done=len(jobs) - len(todo),
                           tile_policy=scorer.tile_policy.to_json(), layout=scorer.layout.to_json(),
                           runtime={**scorer.runtime.to_json(scorer.runtime_asked), "streams": scorer.streams},
                           nms=scorer.nms, view_plan=scorer.plan.to_dict())
    out = Path(cfg.out) if cfg.out else None
    # created up front: a run that finds nothing still leaves suggestions.jsonl (empty), the file eval reads
    log = JsonlLedger(out / "suggestions.jsonl", key="key").touch() if out else None
    bar = tqdm(total=len(todo), unit="img", disable=not cfg.progress, dynamic_ncols=True, desc="score")

    def on_done(prep: Prepared, sugg: list[Suggestion]) -> None:
        if prep.reason:
            summary.reasons[prep.reason] += 1
        for note in prep.notes:
            summary.notes[note] += 1
        if log is not None:
            log.append(s.to_json_dict() for s in sugg)  # 1. JSONL (deduplicated by key, fsynced)
        scorer.write_media(prep, sugg)  # 2. view JPEGs
        meta = scorer.meta(prep, sugg)
        sink.record_image(prep.job.key, scorer.model_name, sugg, meta)  # 3. commit
        summary.add_tiles(meta)
        summary.scored += 0 if prep.reason else 1
        summary.views += len(prep.views)
        summary.units += len(prep.units)
        summary.suggestions += len(sugg)
        bar.update(1)
        elapsed = time.perf_counter() - t0
        bar.set_postfix(views_s=f"{summary.views / max(elapsed, 1e-9):.1f}", sugg=summary.suggestions)

    summary.startup_seconds = time.perf_counter() - t0
    try:
        run_jobs(scorer, todo, cfg.batch, cfg.prefetch, on_done)
    finally:
        bar.close()
        if log is not None:
            log.close()
    return finish(summary, t0, out, sink)


def finish(summary: ScoreSummary, t0: float, out: Path | None, sink) -> ScoreSummary:
    """End of a scoring run (both engines): GeoJSON rebuilt from the JSONL, summary.json, store closed."""
    import json

    from camdetect.durable import atomic_write_text
    from camdetect.scoring.outputs import rebuild_geojson

    summary.seconds = time.perf_counter() - t0
    if out is not None:
        rebuild_geojson(out / "suggestions.jsonl", out / "suggestions.geojson")
        atomic_write_text(out / "summary.json", json.dumps(summary.to_json(), indent=2))
    close = getattr(sink, "close", None)
    if close:
        close()
    return summary
