"""Reading an ultralytics checkpoint's network and writing a checkpoint derived from it, for the tools that change
a trained network without training it (``camdetect blend``, training/adapt_bn.py): one refusal per bad file, one
format for what they write.
"""

from __future__ import annotations

from pathlib import Path

from camdetect.durable import atomic_path


class CheckpointError(ValueError):
    """A file that is not an ultralytics checkpoint holding a network."""


def load_checkpoint(path: str | Path):
    """(checkpoint dict, its network in float32): the EMA weights when the checkpoint has them, as ultralytics
    exports. Raises :class:`CheckpointError` (one line naming the file) for a missing or unreadable file."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        ckpt = torch.load(str(path), map_location="cpu", weights_only=False)
    except Exception as e:  # any unreadable file gets the same one-line refusal
        raise CheckpointError(f"{path}: not a torch checkpoint ({type(e).__name__})") from e
    net = (ckpt.get("ema") or ckpt.get("model")) if isinstance(ckpt, dict) else None
    if net is None:
        raise CheckpointError(f"{path}: no network in the checkpoint (neither 'ema' nor 'model')")
    return ckpt, net.float()


def save_derived(ckpt: dict, net, out: str | Path, **meta) -> None:
    """Write ``net`` (as fp16 EMA weights, as ultralytics saves them) with everything else of ``ckpt`` (classes,
    training arguments, model yaml) to ``out``, atomically. The optimizer state is dropped and the epoch set to -1:
    a derived network is a new starting point, not a run to resume. ``meta`` records what was done."""
    import torch

    out = Path(out)
    derived = dict(ckpt)
    derived.update(model=None, ema=net.half(), optimizer=None, updates=0, epoch=-1, best_fitness=None, **meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        torch.save(derived, str(tmp))
