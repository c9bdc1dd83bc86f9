"""Self-supervised pretraining of a detector's backbone on real, unlabelled street photos (issue 11, item 4).

SimSiam (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021): two augmented views of one
crop of a real photo, the backbone (layers 0-10 of an ultralytics checkpoint) + global pooling + a projector on
both, a predictor on one, and the loss pulls the prediction of one view towards the (stopped) projection of the
other. No labels, no negatives, small batches work. The crops are drawn like the composites' backgrounds (square,
log-uniform side, high in the image: where cameras hang), from the same background folders with the same excludes
and the same lister (``render.composite.list_backgrounds``, which also refuses the evaluation-only real set).

Writes a checkpoint in the input's format with only the backbone's weights changed, so
``camdetect train --weights OUT.pt`` starts from it (the neck and heads keep the input's weights).

    python training/ssl_backbone.py --weights models/camdetect-default.pt --out runs/ssl/v2-simsiam.pt \
        --backgrounds ../shared/data/street-backgrounds=3 --backgrounds ../shared/data/open-images-cameras-voc/train=1 \
        --exclude opensfm/ --exclude geovisio_pypi/ --minutes 30 --threads 1
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "0")

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from camdetect.render.composite import high_square, list_backgrounds

BACKBONE = 11  # layers 0-10 of the YOLO11 / camdetect-p2 yamls
POOLED = (4, 6, 10)  # P3, P4 and the last layer: the heads read 2, 4, 6; pooling several keeps them all in the loss
MAX_SIDE = 1600  # photos are shrunk to this once, in memory (crops are at most this big anyway)


def load_photos(roots: list[str], exclude: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """Every background photo in memory (RGB, long side <= MAX_SIDE) and its draw weight (root weight / files)."""
    photos, weights = [], []
    for s in list_backgrounds(roots, exclude):
        for p in s.files:
            im = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if im is None:
                raise ValueError(f"{p}: not a readable image")
            f = MAX_SIDE / max(im.shape[:2])
            if f < 1:
                im = cv2.resize(im, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
            photos.append(cv2.cvtColor(im, cv2.COLOR_BGR2RGB))
            weights.append(s.weight / len(s.files))
    w = np.asarray(weights)
    return photos, w / w.sum()


def view(c: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """SimSiam's augmentations on a crop: random resized sub-crop, flip, colour jitter, grey, blur, JPEG."""
    s = c.shape[0]
    area = rng.uniform(0.3, 1.0) * s * s
    ar = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
    w = int(min(s, round(math.sqrt(area * ar))))
    h = int(min(s, round(math.sqrt(area / ar))))
    x, y = int(rng.integers(0, s - w + 1)), int(rng.integers(0, s - h + 1))
    v = cv2.resize(c[y:y + h, x:x + w], (size, size), interpolation=cv2.INTER_AREA if w > size else cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        v = v[:, ::-1]
    v = v.astype(np.float32) / 255.0
    if rng.random() < 0.8:
        v = v * rng.uniform(0.6, 1.4)  # brightness
        m = v.mean()
        v = (v - m) * rng.uniform(0.6, 1.4) + m  # contrast
        g = v.mean(axis=2, keepdims=True)
        v = (v - g) * rng.uniform(0.6, 1.4) + g  # saturation
        v = v * rng.uniform(0.9, 1.1, size=3)  # hue-ish: channel gains
    if rng.random() < 0.2:
        v = np.repeat(v.mean(axis=2, keepdims=True), 3, axis=2)
    v = np.clip(v, 0, 1)
    if rng.random() < 0.3:
        v = cv2.GaussianBlur(v, (0, 0), rng.uniform(0.3, 1.5))
    if rng.random() < 0.3:
        ok, buf = cv2.imencode(".jpg", (v * 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 95))])
        v = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).astype(np.float32) / 255.0
    return np.ascontiguousarray(v.transpose(2, 0, 1), dtype=np.float32)


class SimSiam(nn.Module):
    """Backbone (shared with the detector, trained in place) + pooled features -> projector; predictor on top."""

    def __init__(self, layers: nn.ModuleList, pooled_channels: int, dim: int = 256, hidden: int = 64) -> None:
        super().__init__()
        self.layers = layers
        self.projector = nn.Sequential(
            nn.Linear(pooled_channels, dim, bias=False), nn.BatchNorm1d(dim), nn.ReLU(inplace=True),
            nn.Linear(dim, dim, bias=False), nn.BatchNorm1d(dim, affine=False))
        self.predictor = nn.Sequential(nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden),
                                       nn.ReLU(inplace=True), nn.Linear(hidden, dim))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        pooled = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in POOLED:
                pooled.append(F.adaptive_avg_pool2d(x, 1).flatten(1))
        return torch.cat(pooled, 1)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        za, zb = self.projector(self.features(a)), self.projector(self.features(b))
        pa, pb = self.predictor(za), self.predictor(zb)
        loss = -(F.cosine_similarity(pa, zb.detach()).mean() + F.cosine_similarity(pb, za.detach()).mean()) / 2
        # collapse check (SimSiam paper, Fig. 2): the std of the l2-normalised output per channel stays ~ 1/sqrt(dim)
        spread = F.normalize(za.detach(), dim=1).std(0).mean() * math.sqrt(za.shape[1])
        return loss, spread


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", required=True, help="ultralytics checkpoint whose backbone is pretrained")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--backgrounds", action="append", required=True, help="FOLDER[=WEIGHT], as render composite")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--size", type=int, default=96, help="view side in pixels")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05, help="SGD learning rate per 256 images (SimSiam: 0.05)")
    ap.add_argument("--minutes", type=float, default=30.0, help="time budget (the cosine schedule spans --steps)")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    try:
        photos, weights = load_photos(a.backgrounds, a.exclude)  # first: a bad folder costs no model load
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"error: {exc}") from None
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    ck = torch.load(a.weights, map_location="cpu", weights_only=False)
    det = (ck.get("ema") or ck["model"]).float()
    layers = det.model[:BACKBONE]  # a view: the same modules, so training them trains the detector's
    for p in layers.parameters():
        p.requires_grad_(True)
    with torch.no_grad():  # channels of the pooled layers, from a dummy pass
        x, chans = torch.zeros(2, 3, a.size, a.size), 0
        for i, layer in enumerate(layers.eval()):
            x = layer(x)
            chans += x.shape[1] if i in POOLED else 0
    model = SimSiam(layers, chans).train()
    print(f"{len(photos)} photos, backbone {sum(p.numel() for p in layers.parameters()):,} parameters, "
          f"pooled {chans} channels", flush=True)
    lr = a.lr * a.batch / 256
    opt = torch.optim.SGD([{"params": list(layers.parameters()) + list(model.projector.parameters()), "lr": lr},
                           {"params": model.predictor.parameters(), "lr": lr, "fixed": True}],
                          momentum=0.9, weight_decay=1e-4)
    t0, log = time.monotonic(), []
    for step in range(a.steps):
        if time.monotonic() - t0 > a.minutes * 60:
            break
        for g in opt.param_groups:  # cosine decay; SimSiam keeps the predictor's rate fixed
            g["lr"] = lr if g.get("fixed") else lr * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        idx = rng.choice(len(photos), size=a.batch, p=weights)
        crops = [high_square(photos[i], 32, 512, rng) for i in idx]
        va = torch.from_numpy(np.stack([view(c, a.size, rng) for c in crops]))
        vb = torch.from_numpy(np.stack([view(c, a.size, rng) for c in crops]))
        loss, spread = model(va, vb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0:
            rec = {"step": step, "loss": round(float(loss.detach()), 4), "spread": round(float(spread), 3),
                   "minutes": round((time.monotonic() - t0) / 60, 2)}
            log.append(rec)
            print(json.dumps(rec), flush=True)

    a.out.parent.mkdir(parents=True, exist_ok=True)
    out = dict(ck)
    out["model"] = det.half()
    out["ema"] = None
    out["optimizer"] = None
    out["epoch"] = -1  # a finished checkpoint: `--weights` starts a new run from it
    out["ssl"] = {"method": "simsiam", "from": str(a.weights), "steps": step + 1, "args": {k: str(v) for k, v in vars(a).items()}}
    torch.save(out, a.out)
    (a.out.with_suffix(".log.json")).write_text(json.dumps(log, indent=1))
    print(f"wrote {a.out} after {step + 1} steps", flush=True)


if __name__ == "__main__":
    main()
