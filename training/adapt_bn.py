"""BatchNorm statistics re-estimated on real street photos (AdaBN: Li et al., "Revisiting Batch Normalization For
Practical Domain Adaptation", ICLR workshop 2017), issue 11's domain gap measured one more way.

A detector trained on composites normalises every layer with the mean and variance of its training mix (rendered
cameras on real photos plus the synthetic city). AdaBN keeps every learnt weight and replaces only those running
statistics with the ones the network sees on the target domain: here the network inputs the real-image evaluation
and the scorer feed (the whole view letterboxed, native tiles and mid-scale tiles: ``evaluate.real_images.
network_units``, preprocessed by ``scoring.letterbox.to_blob``) of unlabelled real street photos. The photos are
listed by the composites' lister (``render.composite.list_backgrounds``: same excludes, and the evaluation-only
real set is refused), so the held-out street folders stay unseen. ``--mix`` moves the statistics only part of the
way (0: unchanged, 1: the street photos' alone).

Writes a checkpoint in the input's format (optimizer dropped, ``adapt_bn`` records what was done), which
``camdetect export`` and ``training/eval_candidate.sh`` take like any other:

    python training/adapt_bn.py --weights models/camdetect-default.pt --out runs/adabn/v2.pt \
        --backgrounds ../shared/data/street-backgrounds --exclude opensfm/ --exclude geovisio_pypi/

Bad input: one line ``error: FILE: problem``, exit code 2.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from camdetect.env import configure_offline_ultralytics

configure_offline_ultralytics()  # the checkpoint unpickles ultralytics classes


def street_inputs(files: list[Path], imgsz: int, tile: int, seed: int, max_inputs: int | None):
    """Every network input of every photo (shuffled with ``seed``, at most ``max_inputs``), as uint8 BGR arrays."""
    import cv2

    from camdetect.evaluate.real_images import network_units

    units = []
    for f in files:
        im = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if im is None:
            raise ValueError(f"{f}: not a readable image")
        units += [u[0] for u in network_units(im, imgsz, tile)]
    random.Random(seed).shuffle(units)
    return units[:max_inputs] if max_inputs else units


def adapt(net, inputs: list, imgsz: int, batch: int, mix: float) -> dict:
    """Re-estimate every BatchNorm layer's running mean and variance on ``inputs`` (a cumulative average over
    batches, every other weight frozen), then move the old statistics ``mix`` of the way to the new ones.
    Returns the median and largest relative shift of the running means."""
    import numpy as np
    import torch

    from camdetect.scoring.letterbox import to_blob

    old = copy.deepcopy(net.state_dict())
    bns = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        raise ValueError("the network has no BatchNorm layers")
    net.eval()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: every batch weighs the same
        m.train()
    with torch.no_grad():
        for i in range(0, len(inputs), batch):
            blob, _ = to_blob(inputs[i:i + batch], imgsz)
            net(torch.from_numpy(blob))
    net.eval()
    state = net.state_dict()
    for k in state:
        if k.endswith(("running_mean", "running_var")):
            state[k] = old[k] + mix * (state[k] - old[k])
        elif k.endswith("num_batches_tracked"):
            state[k] = old[k]
    net.load_state_dict(state)
    shifts = [float((state[k] - old[k]).abs().mean() / (old[k].abs().mean() + 1e-6))
              for k in state if k.endswith("running_mean")]
    return {"layers": len(bns), "mean_shift_median": float(np.median(shifts)), "mean_shift_max": max(shifts)}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", type=Path, required=True, help="Checkpoint to adapt (.pt).")
    p.add_argument("--out", type=Path, required=True, help="Where to write the adapted checkpoint (.pt).")
    p.add_argument("--backgrounds", action="append", required=True,
                   help="Folder of real street photos (repeatable; a '=WEIGHT' suffix is accepted and ignored).")
    p.add_argument("--exclude", action="append", default=[], help="Skip files whose path contains this (repeatable).")
    p.add_argument("--mix", type=float, default=1.0, help="0: old statistics, 1: the street photos' (default).")
    p.add_argument("--imgsz", type=int, default=0, help="Network input (default: the checkpoint's training imgsz).")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--max-inputs", type=int, default=0, help="Use at most this many network inputs (0: all).")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default).")
    return p


def run(args: argparse.Namespace) -> dict:
    import torch

    from camdetect.render.composite import list_backgrounds
    from camdetect.train.checkpoint import load_checkpoint, save_derived

    if not 0.0 <= args.mix <= 1.0:
        raise ValueError(f"--mix {args.mix}: must be within 0..1")
    if args.threads:
        torch.set_num_threads(args.threads)
    ckpt, net = load_checkpoint(args.weights)
    sets = list_backgrounds([str(b) for b in args.backgrounds], exclude=args.exclude)
    files = [f for s in sets for f in s.files]
    imgsz = args.imgsz or int((ckpt.get("train_args") or {}).get("imgsz") or 320)
    inputs = street_inputs(files, imgsz, imgsz, args.seed, args.max_inputs or None)
    report = adapt(net, inputs, imgsz, args.batch, args.mix)
    report.update(weights=str(args.weights), photos=len(files), inputs=len(inputs), imgsz=imgsz, mix=args.mix,
                  backgrounds=[str(s.root) for s in sets], exclude=list(args.exclude))
    save_derived(ckpt, net, args.out, adapt_bn=report)
    print(f"adapted {report['layers']} BatchNorm layers on {len(inputs)} inputs of {len(files)} photos (mix "
          f"{args.mix:g}; running means moved {report['mean_shift_median']:.3f} median, "
          f"{report['mean_shift_max']:.3f} at most): {args.out}")
    return report


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
