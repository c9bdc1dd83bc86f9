"""Clustering tags into cameras (cannot-link per annotator) and the whole consensus on real importers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.labels.consensus import ConsensusConfig, cluster_tags, find_candidates, run_consensus
from camdetect.records import Tag

FIXTURES = Path(__file__).parent / "fixtures"


def pt(annotator: str, heading: float, pitch: float = 10.0, image: str = "i1", type_: str = "dome",
       mount: str = "building") -> Tag:
    return Tag("decoders", image, annotator, type=type_, mount=mount, heading=heading, pitch=pitch, intersection=image)


def box(annotator: str, x1: float, y1: float, x2: float, y2: float, image: str = "img.jpg", type_: str = "dome") -> Tag:
    return Tag("coco", image, annotator, type=type_, x1=x1, y1=y1, x2=x2, y2=y2, image_width=640, image_height=640)


def seen(annotator: str, image: str = "i1") -> Tag:
    return Tag("decoders", image, annotator, kind="seen", intersection=image)


@pytest.mark.parametrize("tags, expected", [
    pytest.param([pt("a", 10), pt("b", 11), pt("c", 12)], [[0, 1, 2]], id="three-close-points"),
    pytest.param([pt("a", 10), pt("b", 30)], [[0], [1]], id="far-points"),
    pytest.param([pt("a", 359.5), pt("b", 0.8)], [[0, 1]], id="across-the-seam"),
    pytest.param([pt("a", 10), pt("a", 11)], [[0], [1]], id="same-annotator-never-merges"),
    pytest.param([pt("a", 10), pt("a", 11), pt("b", 10.2)], [[0, 2], [1]], id="closest-wins-cannot-link"),
    pytest.param([pt("a", 10), pt("b", 12.5), pt("c", 16)], [[0, 1], [2]], id="complete-linkage-stays-tight"),
    pytest.param([pt("a", 10, 80), pt("b", 100, 80)], [[0], [1]], id="near-pole-far-in-angle"),
    pytest.param([pt("a", 10, 88), pt("b", 190, 89)], [[0, 1]], id="over-the-pole-close"),
    pytest.param([box("a", 10, 10, 20, 20), box("b", 11, 11, 21, 21), box("c", 100, 100, 110, 110)],
                 [[0, 1], [2]], id="boxes-by-iou"),
    pytest.param([box("a", 10, 10, 20, 20), box("b", 18, 18, 28, 28)], [[0], [1]], id="boxes-low-iou"),
    pytest.param([box("a", 10, 10, 20, 20), pt("b", 10)], [[0], [1]], id="box-without-view-and-point"),
    pytest.param([], [], id="empty"),
])
def test_cluster_tags(tags, expected):
    assert cluster_tags(tags, max_angle=4.0, min_iou=0.3) == expected


def test_boxes_with_a_view_cluster_with_points_by_angle():
    # A box centred on a 90-degree view looking at heading 40, pitch 10 is the point (40, 10).
    b = Tag("review", "p1", "a", x1=315, y1=315, x2=325, y2=325, image_width=640, image_height=640,
            view_heading=40.0, view_pitch=10.0, view_fov=90.0)
    assert cluster_tags([b, pt("b", 40.5, 10.2, image="p1")]) == [[0, 1]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.floats(0, 359.9), st.floats(-10, 30)), max_size=25))
def test_clusters_partition_tags_and_respect_cannot_link(raw):
    tags = [pt(a, h, p) for a, h, p in raw]
    clusters = cluster_tags(tags)
    flat = sorted(i for c in clusters for i in c)
    assert flat == list(range(len(tags)))
    for c in clusters:
        annotators = [tags[i].annotator for i in c]
        assert len(annotators) == len(set(annotators))


def test_candidates_know_who_saw_the_image():
    tags = [seen("a"), seen("b"), seen("c"), pt("a", 10), pt("b", 10.5), pt("d", 200)]
    cands = find_candidates(tags)
    assert [(len(c.tags), c.seen) for c in cands] == [(2, ["a", "b", "c", "d"]), (1, ["a", "b", "c", "d"])]


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="unknown kind"):
        find_candidates([Tag("x", "i1", "a", kind="maybe")])


@pytest.mark.parametrize("keep, n_cameras", [("majority", 1), ("any", 2), ("all", 0), ("min:1", 2)])
def test_keep_rule_decides(keep, n_cameras):
    tags = [seen("a"), seen("b"), seen("c"), pt("a", 10), pt("b", 10.5), pt("c", 200)]
    assert len(run_consensus(tags, ConsensusConfig(keep=keep)).cameras) == n_cameras


@pytest.mark.parametrize("labels", ["majority", "dawid-skene", "dawid-skene-full"])
def test_camera_fields(labels):
    tags = [seen("a"), seen("b"), seen("c"), pt("a", 10, type_="dome"), pt("b", 10.6, type_="dome"),
            pt("c", 10.3, type_="bullet", mount="street_furniture")]
    res = run_consensus(tags, ConsensusConfig(labels=labels))
    (cam,) = res.cameras
    assert cam.camera_id == "i1#001" and cam.intersection == "i1"
    assert cam.type == "dome" and cam.mount == "building"
    assert cam.agreement == "2 vs 1" and cam.n_tags == 3 and cam.n_annotators == 3
    assert cam.weak and math.isnan(cam.x1)  # points: weak, no box (CONTRACTS.md)
    assert cam.heading == pytest.approx(10.3, abs=0.05) and cam.pitch == pytest.approx(10.0, abs=0.01)
    assert 0.0 <= cam.confidence <= 1.0 and 0.0 < cam.type_confidence <= 1.0
    assert cam.annotators == "a;b;c"


def test_boxes_are_fused_and_not_weak():
    tags = [box("a", 10, 10, 20, 20), box("b", 12, 10, 22, 20), box("c", 300, 300, 310, 310)]
    res = run_consensus(tags, ConsensusConfig(keep="min:2"))
    (cam,) = res.cameras
    assert not cam.weak and cam.image_width == 640
    assert (cam.x1, cam.x2) == pytest.approx((11.0, 21.0), abs=0.01)


def test_unanimous_and_all_disagree():
    tags = [seen(a) for a in "abc"] + [pt("a", 10, type_="dome"), pt("b", 10.2, type_="dome"), pt("c", 10.1, type_="dome")]
    assert run_consensus(tags).cameras[0].agreement == "Unanimous"
    tags = [seen(a) for a in "abc"] + [pt("a", 10, type_="dome"), pt("b", 10.2, type_="bullet")]
    assert run_consensus(tags, ConsensusConfig(keep="any")).cameras[0].agreement == "All disagree"


def test_reliability_lists_every_volunteer():
    tags = [seen(a) for a in "abc"] + [pt("a", 10), pt("b", 10.2), pt("c", 90)]
    rel = {r.annotator: r for r in run_consensus(tags).reliability}
    assert set(rel) == {"a", "b", "c"}
    assert rel["a"].agree_with_majority == 1.0 and rel["c"].agree_with_majority == 0.0
    assert all(0 <= r.sensitivity <= 1 and 0 <= r.false_positive_rate <= 1 for r in rel.values())


def test_empty_input():
    res = run_consensus([])
    assert res.cameras == [] and res.candidates == [] and res.presence is None


def test_decoders_fixture_through_the_real_importer():
    from camdetect.labels.importers import import_labels

    tags = import_labels("decoders", FIXTURES / "decoders").tags
    res = run_consensus(tags)
    by_image = {}
    for c in res.cameras:
        by_image.setdefault(c.image, []).append(c)
    # The fixture intersection AXjK_-0aLVwDtjXR1esO: three volunteers on a pole dome (one said bullet)
    # and two of three on a building camera.
    cams = sorted(by_image["AXjK_-0aLVwDtjXR1esO"], key=lambda c: c.heading)
    assert [(c.type, c.mount, c.agreement) for c in cams] == [("unknown", "building", "2 vs 1"),
                                                              ("dome", "street_furniture", "2 vs 1")]
    assert all(c.weak for c in res.cameras)


# Licence-plate readers: a type like any other in the vote; tag tables without them keep their numbers.
def _alpr_scene(types: list[str]) -> list[Tag]:
    tags = [seen(a) for a in "abc"]
    return tags + [pt(a, 10 + 0.3 * i, type_=t, mount="street_furniture") for i, (a, t) in enumerate(zip("abc", types))]


@pytest.mark.parametrize("labels", ["majority", "dawid-skene", "dawid-skene-full"])
@pytest.mark.parametrize("types, expected", [
    (["alpr", "alpr", "bullet"], "alpr"), (["alpr", "alpr", "alpr"], "alpr"), (["alpr", "unknown", "alpr"], "alpr"),
    (["bullet", "bullet", "alpr"], "bullet"), (["dome", "alpr", "alpr"], "alpr"),
])
def test_alpr_wins_the_type_vote(labels, types, expected):
    (cam,) = run_consensus(_alpr_scene(types), ConsensusConfig(labels=labels)).cameras
    assert cam.type == expected and 0.0 < cam.type_confidence <= 1.0


def test_alpr_joins_the_type_classes_only_when_answered():
    cfg = ConsensusConfig()
    assert cfg.types[:3] == ("dome", "bullet", "unknown") and "alpr" in cfg.types
    with_alpr = run_consensus(_alpr_scene(["alpr", "alpr", "dome"]), cfg)
    assert with_alpr.type_ds.classes == ["dome", "bullet", "unknown", "alpr"]
    # without alpr answers: the same classes, so the same posteriors, as before alpr joined the taxonomy
    old = ConsensusConfig(types=("dome", "bullet", "unknown"))
    scene = _alpr_scene(["dome", "dome", "bullet"])
    new_res, old_res = run_consensus(scene, cfg), run_consensus(scene, old)
    assert new_res.type_ds.classes == old_res.type_ds.classes == ["dome", "bullet", "unknown"]
    assert new_res.cameras[0].type_confidence == old_res.cameras[0].type_confidence


def test_simulated_volunteers_on_licence_plate_readers():
    """Simulated volunteers (dome/bullet/unknown vocabulary) on a city whose bullets are all ALPR: their
    right answers are alpr, their errors the old types; the consensus finds mostly alpr."""
    from collections import Counter

    from camdetect.labels.simulate import make_volunteers, random_city, simulate_tags

    truth, _ = random_city(60, seed=3)
    for c in truth:
        if c.type == "bullet":
            c.type = "alpr"
    tags = simulate_tags(truth, make_volunteers(12, careless_share=0.0, seed=3), seed=3)
    said = Counter(t.type for t in tags if t.kind == "tag")
    assert said["alpr"] > 0 and said["bullet"] > 0  # errors still use the old vocabulary
    cams = run_consensus(tags).cameras
    types = Counter(c.type for c in cams)
    assert types["alpr"] >= 0.5 * sum(c.type == "alpr" for c in truth) and types["alpr"] > 5 * types["bullet"]
