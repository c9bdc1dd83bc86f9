"""Keep rules, majority votes, agreement wording and Amnesty's per-intersection counts."""

from __future__ import annotations

import math

import pytest

from camdetect.labels.agreement import agreement_level, agreement_order, intersection_counts
from camdetect.labels.voting import KeepRule, majority_label
from camdetect.records import Tag


@pytest.mark.parametrize("rule, n_tagged, n_seen, posterior, kept", [
    ("majority", 2, 3, math.nan, True),
    ("majority", 1, 3, math.nan, False),
    ("majority", 1, 2, math.nan, False),  # a tie is not a majority
    ("majority", 1, 1, math.nan, True),
    ("majority", 2, 0, math.nan, True),  # no seen rows: the taggers saw it
    ("any", 1, 5, math.nan, True),
    ("all", 2, 3, math.nan, False),
    ("all", 3, 3, math.nan, True),
    ("min:2", 2, 9, math.nan, True),
    ("min:2", 1, 1, math.nan, False),
    ("frac:0.3", 1, 3, math.nan, True),
    ("frac:0.5", 1, 3, math.nan, False),
    ("reliability", 1, 3, 0.6, True),
    ("reliability:0.7", 3, 3, 0.6, False),
])
def test_keep_rules(rule, n_tagged, n_seen, posterior, kept):
    assert KeepRule.parse(rule).keep(n_tagged, n_seen, posterior) is kept


@pytest.mark.parametrize("text", ["most", "min:0", "min:x", "frac:1.5", "reliability:2", "majority:3", ""])
def test_bad_keep_rules_raise_one_line(text):
    with pytest.raises(ValueError, match="bad keep rule") as info:
        KeepRule.parse(text)
    assert "\n" not in str(info.value)


def test_reliability_rule_needs_a_posterior():
    with pytest.raises(ValueError, match="posterior"):
        KeepRule.parse("reliability").keep(1, 3)


@pytest.mark.parametrize("rule", ["majority", "any", "all", "min:2", "frac:0.5", "reliability:0.25"])
def test_keep_rule_round_trips_through_str(rule):
    assert KeepRule.parse(str(KeepRule.parse(rule))) == KeepRule.parse(rule)


@pytest.mark.parametrize("labels, weights, tie_order, expected", [
    (["dome", "dome", "bullet"], None, (), ("dome", 2 / 3)),
    (["dome", "bullet"], None, ("bullet", "dome"), ("bullet", 0.5)),
    (["dome", "bullet"], None, (), ("bullet", 0.5)),  # alphabetical when no order is given
    (["dome", "bullet", "bullet"], [5.0, 1.0, 1.0], (), ("dome", 5 / 7)),
])
def test_majority_label(labels, weights, tie_order, expected):
    label, share = majority_label(labels, weights, tie_order)
    assert label == expected[0] and share == pytest.approx(expected[1])


def test_majority_label_is_order_independent():
    assert majority_label(["a", "b", "c"]) == majority_label(["c", "b", "a"])


@pytest.mark.parametrize("answers, level", [
    ([2, 2, 2], "Unanimous"),
    ([2, 2, 1], "2 vs 1"),
    ([0, 1, 2], "All disagree"),
    (["dome", "dome", "none", "dome", "bullet"], "3 vs 2"),
    ([1, 1, 1, 1, 0], "4 vs 1"),
    ([5], "Unanimous"),
    ([], ""),
])
def test_agreement_level_generalises_amnesty_wording(answers, level):
    assert agreement_level(answers) == level


def test_agreement_order():
    assert agreement_order(["All disagree", "2 vs 1", "Unanimous", "3 vs 2", "4 vs 1"]) == \
        ["Unanimous", "4 vs 1", "2 vs 1", "3 vs 2", "All disagree"]  # by agreeing share


def test_intersection_counts_median_and_zero_counts():
    tags = [Tag("decoders", "i1", a, kind="seen", intersection="i1") for a in "abc"]
    tags += [Tag("decoders", "i1", "a", type="dome", mount="building", heading=10, pitch=5, intersection="i1"),
             Tag("decoders", "i1", "a", type="bullet", mount="building", heading=50, pitch=5, intersection="i1"),
             Tag("decoders", "i1", "b", type="dome", mount="building", heading=11, pitch=5, intersection="i1")]
    ic = intersection_counts(tags)["i1"]
    assert ic.counts == {"a": 2, "b": 1, "c": 0}
    assert ic.median == 1.0 and ic.agreement == "All disagree"
    assert ic.median_by("type", "dome") == 1.0 and ic.median_by("type", "bullet") == 0.0
    assert ic.median_by("mount", "building") == 1.0
