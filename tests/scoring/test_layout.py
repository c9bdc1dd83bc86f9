"""Tile layouts (`camdetect score --layout`, scoring.tiling.TileLayout) and the pipeline that feeds them:
layout geometry, tile-sized units fed without letterbox (same blob, same detections), units batched per input
size without changing results, and the bounded-memory structure (zero-copy units, at most two float blobs
alive). Real onnxruntime sessions with the tiny fixture model; no timings."""

from __future__ import annotations

import itertools
import weakref
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.export.parity import synthetic_views
from camdetect.geometry.tiles import tile_windows
from camdetect.records import View
from camdetect.scoring.letterbox import letterbox, to_blob
from camdetect.scoring.pipeline import ScoreConfig, Scorer, inflight_batches, run_jobs, score
from camdetect.scoring.tiling import KindLayouts, TileLayout


def covered(windows, width: int, height: int) -> np.ndarray:
    mask = np.zeros((height, width), np.int32)
    for x0, y0, x1, y1 in windows:
        mask[y0:y1, x0:x1] += 1
    return mask


@pytest.mark.parametrize("spec,grid", [("tiles", 9), ("tiles:overlap=0", 4), ("tiles:top_rows=2", 6),
                                       ("tiles:top_rows=1,overlap=0", 2), ("whole", 0), ("whole:size=640", 0),
                                       ("tiles:overlap=0.1,tile=352", 4)])
def test_layout_grids_on_a_640_view(spec, grid):
    layout = TileLayout.parse(spec)
    windows = layout.windows(640, 640, layout.tile or 320)
    assert len(windows) == grid
    if layout.tile == 352:  # 2 x 2 with 64 px overlap: starts 0 and 288
        assert sorted({w[0] for w in windows}) == [0, 288]


@settings(max_examples=60, deadline=None)
@given(w=st.integers(321, 2000), h=st.integers(321, 1400), tile=st.sampled_from([160, 256, 320, 352]),
       overlap=st.sampled_from([0.0, 0.1, 0.2, 0.3]), top_rows=st.integers(0, 4))
def test_every_pixel_above_the_cut_line_is_covered(w, h, tile, overlap, top_rows):
    layout = TileLayout(overlap=overlap, top_rows=top_rows)
    windows = layout.windows(w, h, tile)
    cut = max(y1 for _, _, _, y1 in windows)  # the bottom of the lowest kept row
    assert cut == h if not top_rows else cut <= h
    mask = covered(windows, w, h)
    assert (mask[:cut] >= 1).all()
    assert all(x1 - x0 == min(tile, w) and y1 - y0 == min(tile, h) for x0, y0, x1, y1 in windows)
    xs = sorted({x0 for x0, _, _, _ in windows})
    ys = sorted({y0 for _, y0, _, _ in windows})
    for starts in (xs, ys):  # neighbours overlap by at least `overlap` of a tile (the training tiler's rule)
        for a, b in itertools.pairwise(starts):
            assert (a + tile) - b >= overlap * tile - 1
    if top_rows:
        assert len(ys) == min(top_rows, len({y for _, y, _, _ in tile_windows(w, h, tile, overlap)}))


@pytest.mark.parametrize("spec,error", [("grid", "--layout must be one of"), ("tiles:overlap=1", "overlap"),
                                        ("tiles:rows=2", "expected MODE"), ("whole:size=600", "multiple of 32"),
                                        ("tiles:top_rows=x", "must be a number")])
def test_bad_layout_specs_name_the_option(spec, error):
    with pytest.raises(ValueError, match=error):
        TileLayout.parse(spec)


@pytest.mark.parametrize("spec", ["tiles", "tiles:overlap=0", "tiles:whole=0,top_rows=2", "whole:size=640"])
def test_label_rebuilds_the_layout(spec):
    layout = TileLayout.parse(spec)
    assert layout.label == spec and TileLayout.parse(layout.label) == layout


@pytest.mark.parametrize("shape", [(320, 320), (640, 640), (320, 640)])
def test_a_unit_of_the_input_size_is_fed_as_is_and_equals_the_letterbox_path(shape):
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (*shape, 3), dtype=np.uint8) for _ in range(3)]
    blob, params = to_blob(images, shape)
    boxed = np.stack([letterbox(im, shape)[0] for im in images])  # the plain letterbox route, by hand
    expected = np.ascontiguousarray(boxed[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255)
    assert np.array_equal(blob, expected)
    assert all((p.gain_x, p.gain_y, p.pad_x, p.pad_y) == (1.0, 1.0, 0, 0) for p in params)


def test_direct_units_give_the_same_detections_as_letterboxed_ones(tiny_onnx):
    """Real ORT: tiles of the network input size, fed as is, detect exactly what the letterbox route detects."""
    from camdetect.scoring.decode import decode_batch

    scorer = Scorer(tiny_onnx, threads=1, batch=4, tile=320, conf=0.01, tile_policy="none")
    view = synthetic_views(1, 640, seed=5)[0]
    units: list = []
    scorer.view_units(units, Counter(), 0, 0, View("v", 0.0, 0.0, 60.0, 640, 640), view)
    tiles = [u for u in units if u.origin != (0, 0) or u.image.shape[:2] == (320, 320)]
    assert tiles and all(u.image.shape[:2] == tuple(scorer.detector.imgsz) for u in tiles)
    direct = scorer.run_batch(*scorer.make_batch(tiles))
    boxed = [letterbox(np.ascontiguousarray(u.image), scorer.detector.imgsz) for u in tiles]
    blob = np.ascontiguousarray(np.stack([b[0] for b in boxed])[..., ::-1].transpose(0, 3, 1, 2), np.float32)
    blob /= 255.0
    old = decode_batch(scorer.detector.run_blob(blob), [b[1] for b in boxed], scorer.conf, scorer.iou,
                       class_agnostic=scorer.agnostic)
    assert sum(len(d) for d in direct) > 0
    for a, b in zip(direct, old):
        assert np.array_equal(a.xyxy, b.xyxy) and np.array_equal(a.scores, b.scores)


@pytest.mark.parametrize("spec,units,sizes", [
    ("tiles", 10, {(320, 320)}), ("tiles:overlap=0", 5, {(320, 320)}), ("tiles:top_rows=2", 7, {(320, 320)}),
    ("tiles:whole=0", 9, {(320, 320)}), ("whole", 1, {(320, 320)}), ("whole:size=640", 1, {(640, 640)}),
    ("tiles:size=640", 10, {(320, 320), (640, 640)}), ("tiles:overlap=0.1,tile=352", 5, {(320, 320)})])
def test_units_per_view(tiny_onnx, spec, units, sizes):
    scorer = Scorer(tiny_onnx, threads=1, tile=320, tile_policy="none", layout=spec)
    out: list = []
    view = synthetic_views(1, 640, seed=2)[0]
    scorer.view_units(out, Counter(), 0, 0, View("v", 0.0, 15.0, 48.0, 640, 640), view)
    assert len(out) == units and {u.size for u in out} == sizes
    assert all(np.shares_memory(u.image, view) for u in out)  # units are windows of the view, not copies


def test_whole_view_pass_at_640_is_fed_as_is(tiny_onnx):
    scorer = Scorer(tiny_onnx, threads=1, tile=320, tile_policy="none", layout="whole:size=640")
    view = synthetic_views(1, 640, seed=4)[0]
    units: list = []
    scorer.view_units(units, Counter(), 0, 0, View("v", 0.0, 15.0, 48.0, 640, 640), view)
    blob, params = scorer.make_batch(units)
    assert blob.shape == (1, 3, 640, 640) and params[0].gain_x == 1.0 and params[0].pad_x == 0
    assert np.array_equal(blob[0, 0], view[..., 2] / np.float32(255))


class CountingScorer(Scorer):
    """The real scorer, watching how many float blobs are alive whenever ORT runs a batch."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.blobs: list = []
        self.most_alive = 0
        self.batch_sizes: list = []

    def make_batch(self, units):
        blob, params = super().make_batch(units)
        self.blobs.append(weakref.ref(blob))
        return blob, params

    def run_batch(self, blob, params):
        self.most_alive = max(self.most_alive, sum(r() is not None for r in self.blobs))
        self.batch_sizes.append(blob.shape)
        return super().run_batch(blob, params)


@pytest.fixture(scope="module")
def pano_jobs(tmp_path_factory):
    """Four 1024x512 'panoramas' (synthetic pixels) as scoring jobs."""
    import cv2

    from camdetect.scoring.inputs import Job

    d = tmp_path_factory.mktemp("panos")
    jobs = []
    for i in range(4):
        p = d / f"p{i}.jpg"
        pano = np.concatenate([np.concatenate(synthetic_views(4, 256, seed=10 * i + k), axis=1)
                               for k in range(2)], axis=0)
        cv2.imwrite(str(p), pano)
        jobs.append(Job(key=p.name, path=p, kind="panorama", pano_id=p.stem))
    return jobs


def run(scorer, jobs, batch, prefetch):
    got = {}
    run_jobs(scorer, jobs, batch, prefetch, on_done=lambda prep, sugg: got.update(
        {prep.job.key: sorted((s.key, round(s.score, 5)) for s in sugg)}))
    return got


def test_mixed_input_sizes_batch_apart_and_results_do_not_depend_on_batching(tiny_onnx, pano_jobs):
    """`tiles:size=640`: a 640 px whole pass beside 320 px tiles in one job; every batch holds one size, and
    batch / prefetch / streams change nothing (the job's units are merged in their own order, whichever
    stream's batch finishes first)."""
    from camdetect.geometry import ViewPlan

    plan = ViewPlan(n_headings=4, pitch=10.0, fov=60.0, width=640, height=640)
    results = []
    for batch, prefetch, streams in [(1, 1, 1), (8, 2, 1), (5, 3, 1), (3, 2, 2)]:
        scorer = CountingScorer(tiny_onnx, threads=streams, tile=320, conf=0.01, plan=plan, tile_policy="none",
                                layout="tiles:size=640", streams=streams)
        assert scorer.streams == streams
        results.append(run(scorer, pano_jobs, batch, prefetch))
        assert {s[2:] for s in scorer.batch_sizes} == {(320, 320), (640, 640)}
        assert all(s[0] <= batch for s in scorer.batch_sizes)
        assert 1 <= scorer.most_alive <= inflight_batches(scorer.streams)  # bounded: never one blob per tile of a job
    assert results[0] == results[1] == results[2] == results[3]
    assert sum(len(v) for v in results[0].values()) > 0


def test_score_records_the_layout_and_its_units(tiny_onnx, pano_jobs, tmp_path):
    import json

    folder = pano_jobs[0].path.parent
    cfg = ScoreConfig(model=tiny_onnx, input=folder, db=str(tmp_path / "r.db"), out=tmp_path / "o", kind="panorama",
                      tile=320, conf=0.05, progress=False, skip_tiles="none", layout="tiles:overlap=0")
    summary = score(cfg)
    saved = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert saved["layout"]["spec"] == "tiles:overlap=0"
    assert summary.units == summary.views * 5  # 2 x 2 tiles + the whole view, per 640 px view


def test_a_size_a_fixed_input_model_cannot_take_is_refused(tmp_path, tiny_onnx):
    """The tiny fixture takes any height/width; the same graph with its input fixed to 320 x 320 refuses
    `whole:size=640` in one line naming --layout, and still runs the default layout."""
    import onnx

    model = onnx.load(str(tiny_onnx))
    for dim in model.graph.input[0].type.tensor_type.shape.dim[2:]:
        dim.ClearField("dim_param")
        dim.dim_value = 320
    fixed = tmp_path / "fixed.onnx"
    onnx.save(model, str(fixed))
    Scorer(tiny_onnx, threads=1, layout="whole:size=640")
    with pytest.raises(ValueError, match="--layout whole:size=640: .* fixed input size"):
        Scorer(fixed, threads=1, layout="whole:size=640")
    Scorer(fixed, threads=1, layout="tiles")
    auto = Scorer(fixed, threads=1)  # the default (auto) cannot feed 640 px views to it: panoramas are tiled too
    assert auto.layout.spec == "auto" and auto.layout.panorama == auto.layout.view == TileLayout()


def test_auto_feeds_panorama_views_whole_and_tiles_photos():
    auto = KindLayouts.parse("auto")
    assert KindLayouts.parse(None) == auto and auto.for_kind("panorama") == TileLayout.parse("whole:size=640")
    assert auto.for_kind("view") == TileLayout() and auto.to_json()["spec"] == "auto"
    one = KindLayouts.parse("tiles:overlap=0")  # any other spec: one layout for every kind
    assert one.panorama == one.view == TileLayout(overlap=0.0) and KindLayouts.parse(one.spec) == one
    with pytest.raises(ValueError, match="--layout must be one of"):
        KindLayouts.parse("grid")


def test_the_default_scores_a_panorama_with_one_640_unit_per_view_and_a_photo_in_tiles(tiny_onnx, pano_jobs,
                                                                                     tmp_path):
    import cv2

    from camdetect.geometry import ViewPlan
    from camdetect.scoring.inputs import Job

    plan = ViewPlan(n_headings=4, pitch=10.0, fov=60.0, width=640, height=640)
    scorer = Scorer(tiny_onnx, threads=1, tile=320, plan=plan, tile_policy="none")
    pano = scorer.prepare(0, pano_jobs[0])
    assert len(pano.units) == 4 and {u.size for u in pano.units} == {(640, 640)} and pano.tiles == 0
    photo_path = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo_path), synthetic_views(1, 640, seed=3)[0])
    photo = scorer.prepare(1, Job(key="photo.jpg", path=photo_path, kind="view"))
    assert len(photo.units) == 10 and photo.tiles == 9  # 3 x 3 tiles + the whole photo
