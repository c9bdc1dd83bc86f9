"""Weight-space blending of two checkpoints of one network (WiSE-FT: Wortsman et al., "Robust fine-tuning of
zero-shot models", CVPR 2022).

Every camdetect fine-tune so far traded one domain for another: v2 learnt real streets and forgot the synthetic
city (c11 highest recall 72.7 % -> 36.4 %), the demo's crowd fine-tunes forget what their start knew. A
fine-tuned network and the one it started from usually lie in one low-loss basin, so the straight line between
their weights holds models that keep much of both; ``blend(start, tuned, alpha)`` is the point ``alpha`` of the
way from ``start`` to ``tuned`` (0: the start, 1: the fine-tune). Every tensor of the state dict is blended,
BatchNorm's running statistics included (as WiSE-FT does). A class list that grew at its end (v1's dome, bullet
-> v2's dome, bullet, alpr) blends the shared classes' rows of the class head and takes the new rows from the
checkpoint that has them; any other mismatch is refused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from camdetect.train.checkpoint import CheckpointError, load_checkpoint, save_derived
from camdetect.train.weights_fit import class_names


class BlendError(ValueError):
    """Two checkpoints that are not one network (other widths, other layers, unrelated class lists)."""


@dataclass(frozen=True)
class BlendReport:
    """What a blend did: its inputs, ``alpha`` and how many tensors were blended, partly blended (class rows) or
    copied (integer buffers such as BatchNorm's batch counter)."""

    start: str
    tuned: str
    alpha: float
    names: list[str]
    blended: int
    partial: int
    copied: int

    def line(self) -> str:
        return (f"blend {self.alpha:.2f} of the way from {self.start} to {self.tuned}: {self.blended} tensors "
                f"blended, {self.partial} class heads by shared rows, {self.copied} integer buffers copied; "
                f"classes {', '.join(self.names)}")

    def to_dict(self) -> dict:
        return asdict(self)


def blend_state(start: dict, tuned: dict, alpha: float, grown_rows: int | None = None):
    """``start + alpha * (tuned - start)`` per tensor of two state dicts with the same names. Where the class head
    grew (``grown_rows``: the shared classes' count, the tuned side longer), the first rows are blended and the rest
    are the tuned side's. Returns (state, blended, partial, copied)."""
    import torch

    if set(start) != set(tuned):
        odd = sorted(set(start) ^ set(tuned))
        raise BlendError(f"the two networks have other layers ({len(odd)} tensor names differ, e.g. {odd[0]})")
    out, blended, partial, copied = {}, 0, 0, 0
    for key, t in tuned.items():
        s = start[key]
        if not torch.is_floating_point(t):
            if tuple(s.shape) != tuple(t.shape):
                raise BlendError(f"tensor {key}: shapes {tuple(s.shape)} and {tuple(t.shape)}")
            out[key] = t.clone()
            copied += 1
            continue
        tf, sf = t.float(), s.float()
        if tuple(s.shape) == tuple(t.shape):
            out[key] = (sf + alpha * (tf - sf)).to(t.dtype)
            blended += 1
        elif (grown_rows and s.dim() == t.dim() and s.shape[0] == grown_rows and t.shape[0] > grown_rows
              and tuple(s.shape[1:]) == tuple(t.shape[1:])):
            mix = tf.clone()
            mix[:grown_rows] = sf + alpha * (tf[:grown_rows] - sf)
            out[key] = mix.to(t.dtype)
            partial += 1
        else:
            raise BlendError(f"tensor {key}: shapes {tuple(s.shape)} and {tuple(t.shape)} (another width or "
                             "class list)")
    return out, blended, partial, copied


def blend(start: str | Path, tuned: str | Path, alpha: float, out: str | Path) -> BlendReport:
    """Write to ``out`` an ultralytics checkpoint whose network is ``alpha`` of the way from ``start``'s weights to
    ``tuned``'s; everything else (classes, training arguments, model yaml) is ``tuned``'s, the optimizer state is
    dropped (a blend is a new starting point, not a run to resume)."""
    import copy

    if not 0.0 <= alpha <= 1.0:
        raise BlendError(f"alpha {alpha}: must be within 0..1 (0 = the start, 1 = the fine-tune)")
    start, tuned, out = Path(start), Path(tuned), Path(out)
    try:
        (_, s_net), (t_ckpt, t_net) = load_checkpoint(start), load_checkpoint(tuned)
    except CheckpointError as e:
        raise BlendError(str(e)) from e
    s_names, t_names = class_names(s_net), class_names(t_net)
    grown = None
    if s_names != t_names:
        if t_names[:len(s_names)] != s_names:
            raise BlendError(f"{start} and {tuned}: class lists {s_names} and {t_names} do not share a prefix")
        grown = len(s_names)
    try:
        state, blended, partial, copied = blend_state(s_net.state_dict(), t_net.state_dict(),
                                                      alpha, grown_rows=grown)
    except BlendError as e:
        raise BlendError(f"{start} and {tuned}: {e}") from e
    net = copy.deepcopy(t_net)
    net.load_state_dict(state)
    report = BlendReport(str(start), str(tuned), float(alpha), t_names, blended, partial, copied)
    save_derived(t_ckpt, net, out, camdetect_blend=report.to_dict())
    return report
