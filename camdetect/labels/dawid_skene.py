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

from dataclasses import dataclass, field
from typing import Hashable, Sequence

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


def _counts(item_idx: np.ndarray, ann_idx: np.ndarray, lab_idx: np.ndarray, n_items: int, n_ann: int,
            K: int) -> np.ndarray:
    """(n_items, n_annotators, K) answer counts (an annotator may answer an item more than once)."""
    counts = np.zeros((n_items, n_ann, K))
    np.add.at(counts, (item_idx, ann_idx, lab_idx), 1.0)
    return counts


def majority_posterior(counts: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Soft (weighted) majority vote: each item's answer shares; the E-step-free initialisation."""
    votes = counts.sum(axis=1) if weights is None else np.einsum("ijk,j->ik", counts, weights)
    total = votes.sum(axis=1, keepdims=True)
    K = counts.shape[2]
    return np.where(total > 0, votes / np.where(total > 0, total, 1.0), 1.0 / K)


def dawid_skene(answers: Sequence[tuple[Hashable, str, str]], classes: Sequence[str], *,
                smoothing: float = 1.0, max_iter: int = 100, tol: float = 1e-6,
                init: np.ndarray | None = None, diag_prior: float = 1.0) -> DSResult:
    """Run Dawid-Skene on ``(item, annotator, label)`` answers with labels from ``classes``.

    ``smoothing`` is the Dirichlet pseudo-count added to every cell of every confusion row;
    ``diag_prior`` is extra pseudo-count on the diagonal (annotators are assumed better than chance
    until the data say otherwise, which keeps EM from swapping class names on small data).
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
    counts = _counts(np.array(ii), np.array(aa), np.array(ll), n_items, n_ann, K)
    T = majority_posterior(counts) if init is None else np.asarray(init, float).copy()
    if T.shape != (n_items, K):
        raise ValueError(f"init posterior must have shape {(n_items, K)}, got {T.shape}")
    pseudo = np.full((K, K), smoothing) + np.eye(K) * diag_prior
    log_like_old = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        # M step: priors and confusion matrices from the soft labels.
        prior = (T.sum(axis=0) + smoothing) / (n_items + K * smoothing)
        conf = np.einsum("ik,ijl->jkl", T, counts) + pseudo[None]
        conf /= conf.sum(axis=2, keepdims=True)
        # E step: log posterior of each item's true class.
        log_post = np.log(prior)[None, :] + np.einsum("ijl,jkl->ik", counts, np.log(conf))
        m = log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post - m)
        log_like = float((m[:, 0] + np.log(post.sum(axis=1))).sum())
        T = post / post.sum(axis=1, keepdims=True)
        if abs(log_like - log_like_old) <= tol * max(1.0, abs(log_like)):
            converged = True
            break
        log_like_old = log_like
    return DSResult(classes, items, annotators, T, conf, prior, counts.sum(axis=(0, 2)), it, converged)
