"""Which precision scores by default: the int8 model only where its own measurement says so (issue 14).

The rule: int8 becomes the default for a model when, in one benchmark run (``scripts/bench_int8.py``),
it is at least ``MIN_SPEEDUP`` times as fast as fp32 (images/s, same inputs) **and** loses at most
``MAX_AP50_DROP`` of AP50 (0.01 = 1 point) on every evaluated set (real photos and synthetic panoramas).
A set that could not be measured counts as failing: no verdict without evidence.

The verdict is stamped into the int8 model's metadata (``camdetect.int8_verdict``) and its
``NAME-int8.quant.json``; ``camdetect score --precision auto`` (the default) reads the int8 file beside
``--model`` (``NAME-int8.onnx``) and uses it only when that stamp says ``default: true``. Light module:
onnxruntime is only imported to read a model's metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

MIN_SPEEDUP = 1.3
MAX_AP50_DROP = 0.01
RULE = f"int8 default only when >= {MIN_SPEEDUP}x faster and <= {MAX_AP50_DROP * 100:.0f} point of AP50 lost " \
       "on every evaluated set (real and synthetic)"
PRECISIONS = ("auto", "fp32", "int8")


def decide(speedup: float | None, ap50: dict[str, tuple[float | None, float | None]]) -> dict:
    """``ap50``: set name -> (fp32 AP50, int8 AP50), on a 0-1 scale. Returns the verdict record."""
    reasons = []
    if speedup is None:
        reasons.append("speed not measured")
    elif speedup < MIN_SPEEDUP:
        reasons.append(f"speedup {speedup:.2f}x < {MIN_SPEEDUP}x")
    if not ap50:
        reasons.append("AP50 not measured")
    drops = {}
    for name, (a32, a8) in ap50.items():
        if a32 is None or a8 is None:
            reasons.append(f"{name}: AP50 not measured")
            continue
        drops[name] = round(a32 - a8, 4)
        if a32 - a8 > MAX_AP50_DROP + 1e-9:
            reasons.append(f"{name}: AP50 {a32:.3f} -> {a8:.3f} (-{(a32 - a8) * 100:.1f} points > "
                           f"{MAX_AP50_DROP * 100:.0f})")
    ok = not reasons
    return {"default": ok, "precision": "int8" if ok else "fp32", "rule": RULE, "speedup": speedup,
            "ap50_drop": drops,
            "reason": "; ".join(reasons) if reasons else
            f"{speedup:.2f}x faster, AP50 drop <= {MAX_AP50_DROP * 100:.0f} point on " + ", ".join(sorted(ap50))}


UNMEASURED = {"default": False, "precision": "fp32", "rule": RULE, "speedup": None, "ap50_drop": {},
              "reason": "not benchmarked yet (python scripts/bench_int8.py --model FP32.onnx)"}


def int8_sibling(model: str | Path) -> Path:
    model = Path(model)
    return model.with_name(model.stem + "-int8.onnx")


def read_verdict(int8_model: str | Path) -> dict:
    """The ``camdetect.int8_verdict`` stamp of an int8 model (``UNMEASURED`` when it has none)."""
    from camdetect.scoring.runtime import Session

    props = Session(int8_model, threads=1).props
    raw = props.get("camdetect.int8_verdict")
    if not raw:
        return dict(UNMEASURED)
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(f"{int8_model}: metadata camdetect.int8_verdict is not JSON") from None


def choose_model(model: str | Path, precision: str = "auto") -> tuple[Path, str]:
    """The file ``camdetect score --model MODEL --precision P`` scores with, and why (one line).

    ``fp32``: MODEL itself. ``int8``: ``MODEL-int8.onnx`` (must exist). ``auto``: the int8 sibling when its
    stamped verdict says default, else MODEL.
    """
    model = Path(model)
    if precision not in PRECISIONS:
        raise ValueError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "fp32" or model.stem.endswith("-int8"):
        return model, f"{model.name}: as given"
    q = int8_sibling(model)
    if precision == "int8":
        if not q.is_file():
            raise FileNotFoundError(f"{q}: no int8 model beside {model} (camdetect export ... --int8)")
        return q, f"{q.name}: --precision int8"
    if not q.is_file():
        return model, f"{model.name}: fp32 (no {q.name})"
    v = read_verdict(q)
    if v.get("default") is True:
        return q, f"{q.name}: int8 by its benchmark verdict ({v.get('reason')})"
    return model, f"{model.name}: fp32, {q.name} not the default ({v.get('reason')})"
