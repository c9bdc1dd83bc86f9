"""Dawid-Skene: recovers truth from noisy annotators, down-weights careless ones, stays a distribution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.labels.dawid_skene import dawid_skene, majority_posterior

CLASSES = ["dome", "bullet", "unknown"]


def _answers(n_items: int, accuracies: dict[str, float], seed: int, per_item: int = 3):
    """Answers of annotators with one accuracy each (errors uniform); returns (answers, truth)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(len(CLASSES), size=n_items, p=[0.6, 0.35, 0.05])
    names = list(accuracies)
    answers = []
    for i in range(n_items):
        for a in rng.choice(names, size=per_item, replace=False):
            k = truth[i]
            if rng.random() >= accuracies[a]:
                k = rng.choice([c for c in range(len(CLASSES)) if c != k])
            answers.append((i, str(a), CLASSES[k]))
    return answers, truth


def _majority(answers, n_items):
    votes = np.zeros((n_items, len(CLASSES)))
    for i, _, lab in answers:
        votes[i, CLASSES.index(lab)] += 1
    return votes.argmax(axis=1)


@pytest.mark.parametrize("one_coin", [True, False])
def test_beats_majority_when_careless_annotators_do_most_of_the_work(one_coin):
    # 2 careful (0.95) and 4 careless (0.4) annotators; 3 of them per item.
    acc = {"good1": 0.95, "good2": 0.95, "bad1": 0.4, "bad2": 0.4, "bad3": 0.4, "bad4": 0.4}
    answers, truth = _answers(600, acc, seed=3)
    res = dawid_skene(answers, CLASSES, one_coin=one_coin)
    ds_acc = np.mean([CLASSES.index(res.label(i)[0]) == truth[i] for i in range(len(truth))])
    maj_acc = np.mean(_majority(answers, len(truth)) == truth)
    assert ds_acc > maj_acc + 0.03
    est = dict(zip(res.annotators, res.accuracy()))
    assert min(est["good1"], est["good2"]) > max(est[f"bad{k}"] for k in range(1, 5)) + 0.3


def test_perfect_annotators_give_certain_posteriors():
    answers = [(i, a, CLASSES[i % 3]) for i in range(30) for a in ("x", "y", "z")]
    res = dawid_skene(answers, CLASSES)
    assert [res.label(i)[0] for i in range(30)] == [CLASSES[i % 3] for i in range(30)]
    assert res.posterior.max(axis=1).min() > 0.95
    assert res.converged


@pytest.mark.parametrize("answers, error", [
    ([(0, "a", "pole")], "not one of"),
])
def test_bad_labels_raise(answers, error):
    with pytest.raises(ValueError, match=error):
        dawid_skene(answers, CLASSES)


def test_needs_two_classes_and_handles_empty():
    with pytest.raises(ValueError, match="two classes"):
        dawid_skene([], ["dome"])
    res = dawid_skene([], CLASSES)
    assert res.posterior.shape == (0, 3) and res.items == []


def test_init_shape_checked():
    with pytest.raises(ValueError, match="init posterior"):
        dawid_skene([(0, "a", "dome")], CLASSES, init=np.ones((2, 3)) / 3)


def test_majority_posterior_is_vote_share():
    post = majority_posterior(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 2]), 2, 3)
    np.testing.assert_allclose(post, [[2 / 3, 1 / 3, 0], [0, 0, 1]])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(CLASSES)),
                min_size=1, max_size=40),
       st.booleans(), st.booleans())
def test_posteriors_and_confusions_are_distributions(answers, one_coin, loo):
    res = dawid_skene(answers, CLASSES, one_coin=one_coin, leave_one_out=loo, max_iter=20)
    assert len(res.items) == len({i for i, _, _ in answers})
    np.testing.assert_allclose(res.posterior.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(res.confusion.sum(axis=2), 1.0, atol=1e-9)
    assert np.all(res.confusion > 0) and np.all(np.isfinite(res.posterior))
    assert res.n_answers.sum() == len(answers)


def test_single_answer_items_do_not_inform_accuracy():
    # "lone" only answers items nobody else answered. Without min_answers those items decide lone's
    # accuracy through the class prior alone (here: "bullet" is rare, so lone looks bad); with
    # min_answers=2 nothing is known about lone, who keeps the neutral pooled value.
    answers = [(i, a, "dome") for i in range(20) for a in ("x", "y")]
    answers += [(100 + i, "lone", "bullet") for i in range(10)]
    plain = dawid_skene(answers, CLASSES, one_coin=True)
    fair = dawid_skene(answers, CLASSES, one_coin=True, min_answers=2, shrinkage=2)
    plain_acc = dict(zip(plain.annotators, plain.accuracy()))
    fair_acc = dict(zip(fair.annotators, fair.accuracy()))
    assert plain_acc["lone"] < 0.3
    assert 0.5 <= fair_acc["lone"] <= 0.75
    assert fair_acc["x"] > 0.9
