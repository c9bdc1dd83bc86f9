"""Measuring consensus against known truth: matching, scores, and the targets on simulated volunteers."""

from __future__ import annotations

import math

import pytest

from camdetect.labels.evaluate_consensus import (
    format_table,
    match_image,
    measure,
    score_cameras,
    score_median_counts,
    single_volunteer_scores,
)
from camdetect.labels.simulate import make_volunteers, random_city, simulate_tags
from camdetect.records import Camera, Tag


def cam(image: str, heading: float, pitch: float = 10.0, type_: str = "dome", mount: str = "building") -> Camera:
    return Camera(camera_id=f"{image}@{heading}", image=image, intersection=image, heading=heading, pitch=pitch,
                  type=type_, mount=mount)


@pytest.mark.parametrize("pred, truth, pairs", [
    ([cam("i", 10)], [cam("i", 11)], [(0, 0)]),
    ([cam("i", 10)], [cam("i", 20)], []),
    ([cam("i", 10), cam("i", 12)], [cam("i", 11.8)], [(1, 0)]),  # one-to-one, nearest wins
    ([cam("i", 359.5)], [cam("i", 0.5)], [(0, 0)]),
    ([], [cam("i", 1)], []),
])
def test_match_image(pred, truth, pairs):
    assert match_image(pred, truth, 3.0) == pairs


def test_score_cameras_counts_and_accuracies():
    truth = [cam("a", 10), cam("a", 100, type_="bullet"), cam("b", 50)]
    pred = [cam("a", 10.5), cam("a", 101, type_="dome", mount="street_furniture"), cam("a", 200), cam("c", 5)]
    s = score_cameras("x", pred, truth, images=["a", "b"])
    assert (s.tp, s.n_pred, s.n_truth) == (2, 3, 3)
    assert s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3) and s.f1 == pytest.approx(2 / 3)
    assert s.type_acc == 0.5 and s.mount_acc == 0.5
    assert s.count_f1 == pytest.approx(2 * 2 / 6)  # a: min(3, 2) = 2; b: min(0, 1) = 0


def test_median_counts_is_count_level():
    tags = [Tag("synth", "a", v, kind="seen", intersection="a") for v in "xyz"]
    tags += [Tag("synth", "a", "x", heading=h, pitch=5, type="dome", intersection="a") for h in (1, 50)]
    tags += [Tag("synth", "a", "y", heading=1, pitch=5, type="bullet", intersection="a")]
    s = score_median_counts(tags, [cam("a", 1), cam("a", 50)])
    assert (s.n_pred, s.n_truth, s.tp) == (1, 2, 1)  # counts 2, 1, 0 -> median 1
    assert math.isnan(s.f1) and s.count_f1 == pytest.approx(2 / 3)
    assert s.type_acc == 0.0  # dome counts 2, 0, 0 -> median 0 of the 2 true domes


def test_single_volunteers_need_enough_images():
    tags = [Tag("synth", f"i{k}", "x", kind="seen") for k in range(3)]
    assert single_volunteer_scores(tags, [], min_images=5) == []
    assert len(single_volunteer_scores(tags, [], min_images=3)) == 1


@pytest.fixture(scope="module")
def simulated():
    truth, looks = random_city(400, seed=7)
    vols = make_volunteers(40, careless_share=0.3, seed=7)
    tags = simulate_tags(truth, vols, images=[f"sim-{k:04d}" for k in range(400)], seed=7, lookalikes=looks)
    return tags, truth


def test_measured_table_on_simulated_volunteers(simulated):
    tags, truth = simulated
    rows = {r.method.split(" (")[0]: r for r in measure(tags, truth)}
    majority, ds = rows["majority vote"], rows["Dawid-Skene labels"]
    union = rows["union of volunteers"]
    # Consensus beats the typical volunteer; the union finds most cameras but is imprecise.
    assert majority.f1 > rows["median single volunteer"].f1
    assert majority.f1 > rows["mean over single volunteers"].f1
    assert union.recall > majority.recall and union.precision < majority.precision
    # Same kept cameras, better labels with Dawid-Skene when careless volunteers are present.
    assert ds.f1 == majority.f1
    assert ds.type_acc > majority.type_acc and ds.mount_acc >= majority.mount_acc
    table = format_table(list(rows.values()))
    assert table.count("\n") == len(rows) + 1 and "Amnesty median counts" in table
