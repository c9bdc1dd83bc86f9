"""Dawid-Skene: EM over per-annotator confusion matrices (Dawid & Skene 1979).

Each annotator j answers some items with a class label; annotator j's answers given the true class
k follow a categorical distribution ``confusion[j, k, :]``. EM alternates between the posterior of
each item's true class (E step) and the class priors plus confusion matrices (M step). Careless
annotators get flat or wrong confusion rows and so count for less than careful ones, which is why it
beats a plain majority vote when some volunteers click at random.

Small-data safeguards: a symmetric Dirichlet pseudo-count (``smoothing``) on every confusion row
and prior, initialisation from the (soft) majority vote, and a fixed iteration cap. Items nobody
answered are not allowed (nothing to infer).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class DSResult:
    """Posteriors per item, confusion matrices per annotator and class priors."""

    classes: list[str]
    items: list[Hashable]
    annotators: list[str]
    posterior: np.ndarray  # (n_items, K): P(true class | answers)
    confusion: np.ndarray  # (n_annotators, K, K): P(answer l | true k), rows sum to 1
    prior: np.ndarray  # (K,)
    n_answers: np.ndarray  # (n_annotators,) answers given
    iterations: int
    converged: bool
    _pos: dict = field(default_factory=dict, repr=False)

    def has(self, item: Hashable) -> bool:
        if not self._pos:
            self._pos.update({it: i for i, it in enumerate(self.items)})
        return item in self._pos

    def post(self, item: Hashable) -> np.ndarray:
        """Posterior (K,) of one item, looked up by the item key given in the answers."""
        if not self.has(item):
            raise KeyError(f"item {item!r} has no answers")
        return self.posterior[self._pos[item]]

    def label(self, item: Hashable) -> tuple[str, float]:
        """(most probable class, its posterior) of one item."""
        p = self.post(item)
        k = int(np.argmax(p))
        return self.classes[k], float(p[k])

    def accuracy(self) -> np.ndarray:
        """Each annotator's expected accuracy under the estimated priors: sum_k prior_k * conf[k, k]."""
        diag = np.einsum("jkk->jk", self.confusion)
        return diag @ self.prior

    def recall(self, cls: str) -> np.ndarray:
        """P(answer cls | true cls) per annotator (sensitivity when ``cls`` is 'present')."""
        k = self.classes.index(cls)
        return self.confusion[:, k, k]

    def rate(self, true_cls: str, answer: str) -> np.ndarray:
        """P(answer | true_cls) per annotator (e.g. false-positive rate: true 'absent', answer 'present')."""
        return self.confusion[:, self.classes.index(true_cls), self.classes.index(answer)]


def majority_posterior(items: np.ndarray, labels: np.ndarray, n_items: int, K: int) -> np.ndarray:
    """Soft majority vote (each item's answer shares): the starting point of EM."""
    votes = np.zeros((n_items, K))
    np.add.at(votes, (items, labels), 1.0)
    total = votes.sum(axis=1, keepdims=True)
    return np.where(total > 0, votes / np.where(total > 0, total, 1.0), 1.0 / K)


def dawid_skene(answers: Sequence[tuple[Hashable, str, str]], classes: Sequence[str], *,
                smoothing: float = 1.0, max_iter: int = 100, tol: float = 1e-6,
                init: np.ndarray | None = None, diag_prior: float = 1.0, shrinkage: float = 0.0,
                leave_one_out: bool = False, one_coin: bool = False, min_answers: int = 1) -> DSResult:
    """Run Dawid-Skene on ``(item, annotator, label)`` answers with labels from ``classes``.

    ``smoothing`` is the Dirichlet pseudo-count added to every cell of every confusion row;
    ``diag_prior`` is extra pseudo-count on the diagonal (annotators are assumed better than chance
    until the data say otherwise, which keeps EM from swapping class names on small data).
    ``shrinkage`` > 0 adds that many pseudo-answers per confusion row drawn from the *pooled*
    confusion matrix of all annotators (a hierarchical prior): a volunteer with a handful of answers
    behaves like the average volunteer instead of like a coin, and only volunteers with enough
    answers earn their own (better or worse) matrix. With crowds of many light volunteers this is what
    makes Dawid-Skene beat the majority vote rather than lose to it (docs/labels_consensus.md).
    ``leave_one_out`` estimates each annotator's confusion matrix against posteriors that leave
    that annotator's own answer out (robust to one volunteer answering a large share of the items).
    ``one_coin`` fits one accuracy per annotator (errors uniform over the other classes) instead of
    a full confusion matrix: the robust choice when each volunteer answers few items.
    ``min_answers``: only items with at least this many answers inform the confusion matrices (an
    item answered once always "agrees" with its own posterior, which would flatter whoever answered
    it: a careless volunteer whose co-taggers abstained looks as good as a careful one). All items
    still get a posterior.
    ``init`` optionally gives a starting posterior (n_items, K) in the order items first appear.
    """
    classes = list(classes)
    K = len(classes)
    if K < 2:
        raise ValueError("Dawid-Skene needs at least two classes")
    cls_index = {c: i for i, c in enumerate(classes)}
    items: list[Hashable] = []
    annotators: list[str] = []
    item_pos: dict[Hashable, int] = {}
    ann_pos: dict[str, int] = {}
    ii, aa, ll = [], [], []
    for item, annotator, label in answers:
        if label not in cls_index:
            raise ValueError(f"Dawid-Skene: label {label!r} is not one of {classes}")
        ii.append(item_pos.setdefault(item, len(items)))
        if ii[-1] == len(items):
            items.append(item)
        aa.append(ann_pos.setdefault(annotator, len(annotators)))
        if aa[-1] == len(annotators):
            annotators.append(annotator)
        ll.append(cls_index[label])
    n_items, n_ann = len(items), len(annotators)
    if n_items == 0:
        return DSResult(classes, [], [], np.zeros((0, K)), np.zeros((0, K, K)), np.full(K, 1.0 / K),
                        np.zeros(0), 0, True)
    ii, aa, ll = np.array(ii), np.array(aa), np.array(ll)
    T = majority_posterior(ii, ll, n_items, K) if init is None \
        else np.asarray(init, float).copy()
    if T.shape != (n_items, K):
        raise ValueError(f"init posterior must have shape {(n_items, K)}, got {T.shape}")
    pseudo = np.full((K, K), smoothing) + np.eye(K) * diag_prior
    log_like_old = -np.inf
    converged = False
    it = 0
    soft = T[ii]  # (n_answers, K): the soft true label each answer is scored against
    fit = (np.bincount(ii, minlength=n_items) >= min_answers)[ii].astype(float)[:, None]
    if not fit.any():
        fit[:] = 1.0  # nothing qualifies: fall back to every answer rather than to the prior alone
    for it in range(1, max_iter + 1):
        # M step: priors and confusion matrices from the soft labels.
        prior = (T.sum(axis=0) + smoothing) / (n_items + K * smoothing)
        raw = np.zeros((n_ann, K, K))
        for k in range(K):  # raw[j, k, l] += soft[a, k] for each answer a = (j, l)
            np.add.at(raw[:, k, :], (aa, ll), soft[:, k] * fit[:, 0])
        if one_coin:
            # One accuracy per annotator, errors spread evenly: K*K - 1 fewer parameters each, so
            # volunteers with a few answers get a usable estimate and cannot drag class names along.
            correct = np.einsum("jkk->j", raw) + smoothing + diag_prior
            total = raw.sum(axis=(1, 2)) + K * smoothing + diag_prior
            if shrinkage > 0:  # pull light annotators towards the crowd's pooled accuracy
                pooled = correct.sum() / total.sum()
                correct, total = correct + shrinkage * pooled, total + shrinkage
            acc = correct / total
            conf = np.repeat(((1.0 - acc) / (K - 1))[:, None, None], K, axis=1).repeat(K, axis=2)
            idx = np.arange(K)
            conf[:, idx, idx] = acc[:, None]
        else:
            conf = raw + pseudo[None]
        if shrinkage > 0 and not one_coin:
            pooled = raw.sum(axis=0) + pseudo
            conf = conf + shrinkage * pooled[None] / pooled.sum(axis=1, keepdims=True)[None]
        conf /= conf.sum(axis=2, keepdims=True)
        # E step: log posterior of each item's true class, summed over its answers.
        contrib = np.log(conf[aa, :, ll])  # (n_answers, K)
        log_post = np.tile(np.log(prior), (n_items, 1))
        np.add.at(log_post, ii, contrib)
        m = log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post - m)
        log_like = float((m[:, 0] + np.log(post.sum(axis=1))).sum())
        T = post / post.sum(axis=1, keepdims=True)
        if leave_one_out:
            # Score each answer against the posterior *without* that answer, so a prolific
            # annotator cannot confirm itself (otherwise EM can align the classes with one
            # heavy volunteer's habits instead of the truth).
            loo = log_post[ii] - contrib
            loo = np.exp(loo - loo.max(axis=1, keepdims=True))
            soft = loo / loo.sum(axis=1, keepdims=True)
        else:
            soft = T[ii]
        if abs(log_like - log_like_old) <= tol * max(1.0, abs(log_like)):
            converged = True
            break
        log_like_old = log_like
    n_answers = np.bincount(aa, minlength=n_ann).astype(float)
    return DSResult(classes, items, annotators, T, conf, prior, n_answers, it, converged)
