#!/usr/bin/env python
"""One row per model from ``scripts/eval_real_cameras.py`` outputs (+ optional ``camdetect eval`` reports on
synthetic held-out panoramas): the table of docs/training.md's ablation and the model card.

    python scripts/real_summary.py v1=runs/eval/real v2=runs/eval/real-default \\
        --panos v1=runs/eval/c11-city --panos v2=runs/eval/c11-panos --out runs/eval/real_summary.json

Street-background folders are split into the ones composites were built on (``--train-folders``) and the
held-out ones, because false suggestions on a photo the model saw as a negative say little.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from camdetect.cli_args import named_path

HELD_OUT = ("opensfm", "geovisio_pypi")


def _load(path: Path, file: str) -> dict:
    p = path / file if path.is_dir() else path
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"error: {p}: {exc}") from None


def street_rate(street: dict, key: str, folders: tuple[str, ...] | None, held_out: bool) -> tuple[int, int]:
    """(false suggestions, views) over street-backgrounds folders in / not in ``folders``."""
    rows = street.get("street-backgrounds", {}).get("by_folder", {})
    false = views = 0
    for name, row in rows.items():
        if (name in folders) == held_out:
            false += row[key]["false"] or 0
            views += row["views"]
    return false, views


UNSEEN_SETS = ("street-scenes", "panoramas")  # street sets no composite recipe ever drew a background from


POOLS = ("held", "unseen", "trained")


def street_false_scores(street: dict, held: tuple[str, ...], pool: str = "held") -> tuple[list[float], int] | None:
    """Every false suggestion's score (>= the evaluator's floor) on a pool of street views, and its view count:
    ``held`` the held-out street-backgrounds folders (37 views); ``unseen`` those plus the street sets no composite
    was built on (:data:`UNSEEN_SETS`: street scenes and the Street View panoramas' views, 77 in all); ``trained``
    the street-backgrounds folders composites were built on (74), where a threshold may be set without looking at
    unseen views. None for evaluations written before the scores were stored."""
    if pool not in POOLS:
        raise ValueError(f"pool {pool!r}: one of {', '.join(POOLS)}")
    rows = street.get("street-backgrounds", {}).get("by_folder", {})
    picked = [r for name, r in rows.items() if (name in held) == (pool != "trained")]
    if pool == "unseen":
        picked += [street[n] for n in UNSEEN_SETS if n in street]
    if not picked or any("false_scores" not in r for r in picked):
        return None
    return [v for r in picked for v in r["false_scores"]], sum(r["views"] for r in picked)


def street_tradeoff(real: dict, held: tuple[str, ...], pool: str = "held") -> dict | None:
    """Real-cameras-dev recall against false suggestions per street view of ``pool``, over every threshold that
    lets one more false suggestion there through (down to the evaluator's score floor): the trade-off every
    recipe is judged on, free of any stored threshold. Returns {"false_per_view", "recall", "threshold"} lists
    (false rate ascending) and the view count; None for evaluations written before the scores were stored.
    ``pool``: which street views (:func:`street_false_scores`)."""
    got = street_false_scores(real.get("street", {}), held, pool)
    photos = real.get("real_cameras", {}).get("photos")
    if got is None or not photos:
        return None
    scores, views = got
    hits = sorted((s for p in photos for s, h in zip(p["scores"], p["hit"]) if h), reverse=True)
    n_truth = sum(p["n_truth"] for p in photos)
    ordered = sorted(scores, reverse=True)
    out: dict = {"false_per_view": [], "recall": [], "threshold": [], "views": views}
    for k in range(len(ordered) + 1):
        # just above the (k+1)-th false score: exactly k false suggestions pass (the floor once all have)
        t = ordered[k] + 1e-6 if k < len(ordered) else 0.0
        out["false_per_view"].append(k / views if views else 0.0)
        out["recall"].append(sum(1 for s in hits if s >= t) / n_truth if n_truth else 0.0)
        out["threshold"].append(t)
    return out


def recall_at_street_rate(real: dict, held: tuple[str, ...], rate: float = 0.1, pool: str = "held") -> dict | None:
    """The trade-off in one number: real-cameras-dev recall at the lowest threshold that keeps false suggestions
    on ``pool``'s street views <= ``rate`` per view (the issue's street target). Picked on held-out or unseen views,
    it compares models' rankings and is not a threshold to ship; picked on the trained-on views, it is one."""
    curve = street_tradeoff(real, held, pool)
    if curve is None:
        return None
    views = curve["views"]
    k = min(int(rate * views), len(curve["recall"]) - 1)
    return {"threshold": curve["threshold"][k], "recall": curve["recall"][k], "false_allowed": int(rate * views),
            "views": views}


def plot_tradeoff(curves: dict[str, dict], path: Path, rate: float = 0.1, target: float = 0.8) -> Path:
    """One step line per model: real-cameras-dev recall (y) against false suggestions per street view (x, the
    curves' own views), with the issue's two targets drawn; a model above and left of another is better at every
    threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    for i, (name, c) in enumerate(curves.items()):
        ax.step(c["false_per_view"], c["recall"], where="post", label=name, lw=1.6,
                ls="-" if i < 10 else "--", color=plt.cm.tab10(i % 10))
    ax.axvline(rate, color="0.4", ls=":", lw=1)
    ax.axhline(target, color="0.4", ls=":", lw=1)
    ax.text(rate, 0.02, f" street target <= {rate:g}/view", color="0.3", fontsize=8)
    ax.text(0.0, target + 0.015, f"real recall target {target:g}", color="0.3", fontsize=8)
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlim(0, max(max(c["false_per_view"]) for c in curves.values()) * 1.05 or 1)
    ax.set_ylim(0, 1)
    views = next(iter(curves.values()))["views"]
    ax.set_xlabel(f"false suggestions per real street view never trained on ({views} views; symlog)")
    ax.set_ylabel("recall, real-cameras-dev (24 cameras)")
    ax.set_title("Real recall against street false alarms, every threshold")
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def summarize(real: dict, panos: dict | None, held: tuple[str, ...]) -> dict:
    rc = real["real_cameras"]
    st = real.get("street", {})
    out = {"model": real.get("model_name"), "stored_threshold": real["thresholds"]["stored"],
           "recall_at_1fp": rc["at_1fp"]["recall"], "recall_at_stored": rc["at_stored"]["recall"],
           "false_per_image_at_stored": rc["at_stored"]["false_per_image"], "ap50": rc["ap50"],
           "iou_only_recall_at_1fp": rc["iou_only"]["at_1fp"]["recall"], "iou_only_ap50": rc["iou_only"]["ap50"],
           "ci90_recall_at_1fp": (rc.get("ci90") or {}).get("at_1fp_recall"), "ci90_ap50": (rc.get("ci90") or {}).get("ap50")}
    for label, flag in (("held_out", True), ("trained_on", False)):
        f, v = street_rate(st, "stored", held, flag)
        out[f"street_backgrounds_{label}_false_per_view"] = f / v if v else None
        out[f"street_backgrounds_{label}_views"] = v
    matched = recall_at_street_rate(real, held)
    out["recall_at_street_0.1"] = matched["recall"] if matched else None
    out["threshold_at_street_0.1"] = round(matched["threshold"], 5) if matched else None
    pooled = recall_at_street_rate(real, held, pool="unseen")
    out["recall_at_unseen_street_0.1"] = pooled["recall"] if pooled else None
    out["unseen_street_views"] = pooled["views"] if pooled else None
    # a threshold set without unseen views: <= 0.1 false per trained-on street photo; what it does on unseen ones
    own = recall_at_street_rate(real, held, pool="trained")
    unseen = street_false_scores(st, held, "unseen")
    out["threshold_at_trained_street_0.1"] = round(own["threshold"], 5) if own else None
    out["recall_at_trained_street_0.1"] = own["recall"] if own else None
    out["unseen_false_per_view_at_trained_street_0.1"] = (
        sum(v >= own["threshold"] for v in unseen[0]) / unseen[1] if own and unseen and unseen[1] else None)
    for name in ("street-scenes", "panoramas"):
        row = st.get(name)
        out[f"{name}_false_per_view"] = row["stored"]["false_per_view"] if row else None
    if panos:
        coco = panos["coco"]
        out["synthetic_panos_map50"] = coco.get("mAP50")
        out["synthetic_panos_max_recall"] = panos.get("effort", {}).get("max_recall")
        # any class counts: the fair figure for a one-class detector, whose per-class mean scores bullets as missed
        out["synthetic_panos_agnostic_ap50"] = (coco.get("class_agnostic") or {}).get("AP50")
        per = coco.get("per_class") or {}
        out["synthetic_panos_ap50_by_class"] = {k: (v.get("AP50") if isinstance(v, dict) else v) for k, v in per.items()}
    return out


def _f(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, dict):
        return " / ".join(f"{k} {_f(x)}" for k, x in v.items())
    return f"{v:.3f}" if isinstance(v, float) else str(v)


BY_MODEL = [("real-cameras-dev recall at <= 1 false/image", "recall_at_1fp"), ("AP50 (hit rule)", "ap50"),
            ("IoU-only AP50", "iou_only_ap50"),
            ("false/view, held-out street-backgrounds", "street_backgrounds_held_out_false_per_view"),
            ("false/view, street-scenes", "street-scenes_false_per_view"),
            ("real recall where held-out streets get <= 0.1 false/view", "recall_at_street_0.1"),
            ("same, all unseen street views (held-out + street-scenes + panorama views)", "recall_at_unseen_street_0.1")]


def by_model_table(rows: dict[str, dict]) -> str:
    """Markdown, one row per model: the real-image columns, then synthetic mAP@0.5 / highest recall and the
    class-agnostic AP50."""
    head = [name for name, _ in BY_MODEL] + ["synthetic held-out panoramas mAP@0.5 / highest recall",
                                             "same, class-agnostic AP50"]
    lines = ["| model | " + " | ".join(head) + " |", "|---|" + "---|" * len(head)]
    for name, r in rows.items():
        cells = [_f(r.get(key)) for _, key in BY_MODEL]
        m, rec = r.get("synthetic_panos_map50"), r.get("synthetic_panos_max_recall")
        cells.append("not run" if m is None else f"{m:.3f} / {100 * rec:.1f} %")
        cells.append(_f(r.get("synthetic_panos_agnostic_ap50")) if m is not None else "not run")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


PAIRED = (("recall_at_1fp", "recall at <= 1 false/image"), ("ap50", "AP50"),
          ("recall_at_unseen_street_0.1", "recall where all unseen street views get <= 0.1 false/view"))


def paired(a: dict, b: dict, held: tuple[str, ...] = HELD_OUT, draws: int = 1000, seed: int = 0) -> dict:
    """Share of photo resamples in which model ``a`` beats ``b`` (ties apart) on recall at <= 1 false per photo,
    on AP50 and, where both evaluations stored street scores, on recall at each model's own threshold for <= 0.1
    false per unseen street view (the street views are not resampled): both models see the same resampled photos
    (their real_cameras.json "photos" curves)."""
    from camdetect.evaluate.real_images import resampled

    pa, pb = a["real_cameras"].get("photos"), b["real_cameras"].get("photos")
    if not pa or not pb:
        raise SystemExit("error: --paired needs real_cameras.json files written since photo curves were stored "
                         "(re-run scripts/eval_real_cameras.py)")
    if [p["file"] for p in pa] != [p["file"] for p in pb]:
        raise SystemExit("error: --paired: the two evaluations scored different photos")
    ta, tb = (recall_at_street_rate(x, held, pool="unseen") for x in (a, b))
    street = ta is not None and tb is not None
    ra = resampled(pa, draws, seed, (ta["threshold"],) if street else ())
    rb = resampled(pb, draws, seed, (tb["threshold"],) if street else ())
    out = {}
    for k, (name, _) in enumerate(PAIRED[:3 if street else 2]):
        d = [(x[k] or 0.0) - (y[k] or 0.0) for x, y in zip(ra, rb)]
        out[name] = {"a_better": sum(v > 0 for v in d) / len(d), "tie": sum(v == 0 for v in d) / len(d),
                     "b_better": sum(v < 0 for v in d) / len(d)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=named_path, help="NAME=DIR of an eval_real_cameras.py output")
    ap.add_argument("--panos", action="append", type=named_path, default=[], help="NAME=DIR of a camdetect eval report")
    ap.add_argument("--held-out", default=",".join(HELD_OUT), help="street-backgrounds folders never used as backgrounds")
    ap.add_argument("--paired", action="append", default=[], metavar="A:B",
                    help="paired bootstrap over the photos: how often A beats B (names of two runs); repeatable")
    ap.add_argument("--out", type=Path, help="write the rows as JSON")
    ap.add_argument("--plot", type=Path, help="write the recall / street false-alarm trade-off of every run (on all "
                    "unseen street views) as a PNG")
    ap.add_argument("--by-model", action="store_true", help="one row per model with the ablation's columns "
                    "(docs/training.md) instead of one row per measure")
    args = ap.parse_args(argv)
    panos = {n: _load(p, "report.json") for n, p in args.panos}
    held = tuple(x for x in args.held_out.split(",") if x)
    rows = {n: summarize(_load(p, "real_cameras.json"), panos.get(n), held) for n, p in args.runs}
    if args.by_model:
        print(by_model_table(rows))
    else:
        keys = list(next(iter(rows.values())))
        print("| measure | " + " | ".join(rows) + " |")
        print("|---|" + "---|" * len(rows))
        for k in keys:
            print(f"| {k} | " + " | ".join(_f(r.get(k)) for r in rows.values()) + " |")
    real = {n: _load(p, "real_cameras.json") for n, p in args.runs}
    if args.plot:
        curves = {n: street_tradeoff(r, held, pool="unseen") for n, r in real.items()}
        missing = [n for n, c in curves.items() if c is None]
        if missing:
            raise SystemExit(f"error: --plot: {', '.join(missing)}: evaluation written before street scores were "
                             "stored (re-run scripts/eval_real_cameras.py)")
        print(f"wrote {plot_tradeoff(curves, args.plot)}")
    if args.paired:
        print("\n| paired over resampled photos | "
              + " | ".join(f"{label}: A better / tie / B better" for _, label in PAIRED) + " |\n|---|---|---|---|")
        for pair in args.paired:
            a, _, b = pair.partition(":")
            if a not in real or b not in real:
                raise SystemExit(f"error: --paired {pair}: name both runs (known: {', '.join(real)})")
            res = paired(real[a], real[b], held)
            cells = [" / ".join(f"{res[k][x]:.0%}" for x in ("a_better", "tie", "b_better")) if k in res else "n/a"
                     for k, _ in PAIRED]
            print(f"| {a} vs {b} | " + " | ".join(cells) + " |")
            rows[a].setdefault("paired", {})[b] = res
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
