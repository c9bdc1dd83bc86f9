"""Run every metric on an aligned set and write report.json, report.md, report.html and plots/*.png.

The JSON is the machine-readable record (benchmarks and the README read it); Markdown and HTML show
the same numbers for people, with the PNG plots next to them. Files are written atomically.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.durable import atomic_write_text
from camdetect.evaluate import plots
from camdetect.evaluate.attributes import confusions
from camdetect.evaluate.calibration import calibration
from camdetect.evaluate.coco_metrics import coco_metrics
from camdetect.evaluate.effort import EffortModel, effort_curve
from camdetect.evaluate.samples import EvalSet


@dataclass
class EvalOptions:
    conf: float = 0.25  # score threshold for the confusion matrices
    iou: float = 0.5  # IoU for matched detections (confusion, calibration)
    calibration_min_score: float = 0.05  # leave out the flood of near-zero detections of a conf=0.001 run
    calibration_bins: int = 10
    effort: EffortModel = field(default_factory=EffortModel)


def evaluate(es: EvalSet, types: tuple[str, ...], mounts: tuple[str, ...],
             options: EvalOptions | None = None, meta: dict | None = None) -> tuple[dict, dict]:
    """All metrics as a JSON-able dict, plus the objects the plots need."""
    o = options or EvalOptions()
    coco = coco_metrics(es)
    conf = confusions(es, types, mounts, o.conf, o.iou)
    cal = calibration(es, o.calibration_bins, o.calibration_min_score, o.iou)
    eff = effort_curve(es, o.effort)
    n_views_without = sum(1 for t in es.truth if not len(t))
    result = {
        "meta": {**(meta or {}), "n_images": len(es.truth), "n_images_without_cameras": n_views_without,
                 "n_truth_boxes": int(sum(len(t) for t in es.truth)),
                 "n_physical_cameras": eff.n_cameras, "n_intersections": eff.n_intersections,
                 "n_predictions": int(sum(len(p) for p in es.preds)),
                 "prediction_images_not_in_truth": es.unmatched_prediction_images,
                 "classes": list(es.classes), "confusion_conf": o.conf, "match_iou": o.iou},
        "coco": coco.as_dict(),
        "confusion": {k: (v.as_dict() if v is not None else None) for k, v in conf.items()},
        "calibration": cal.as_dict(),
        "effort": eff.as_dict(),
    }
    return result, {"coco": coco, "confusion": conf, "calibration": cal, "effort": eff}


def _clean(x):
    """JSON without NaN/inf (strict parsers reject them)."""
    if isinstance(x, float):
        return None if math.isnan(x) or math.isinf(x) else x
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _f(x, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"


def markdown(r: dict, images: dict[str, str]) -> str:
    m, c, e, cal = r["meta"], r["coco"], r["effort"], r["calibration"]
    em = e["effort_model"]
    lines = [f"# Evaluation report: {m.get('model', 'predictions')}", ""]
    lines += [f"- data: `{m.get('data', '?')}` split `{m.get('split', '?')}`; {m['n_images']} images "
              f"({m['n_images_without_cameras']} without cameras), {m['n_intersections']} intersections, "
              f"{m['n_truth_boxes']} truth boxes = {m['n_physical_cameras']} physical cameras, "
              f"{m['n_predictions']} predictions",
              f"- command: `{m.get('command', '')}`" if m.get("command") else ""]
    if m.get("cameras_outside_views"):
        out = m["cameras_outside_views"]
        lines.append(f"- **{len(out)} of {m['n_physical_cameras']} cameras are in no view the scorer cut** "
                     f"({', '.join(out)}): no detector scoring these views can find them, so they cap the highest "
                     "recall reachable")
    lines.append("")
    lines += ["## Detection (COCO, faster-coco-eval)", "",
              "| metric | value |", "|---|---|",
              f"| mAP@0.5 | {_f(c['mAP50'])} |", f"| mAP@0.5:0.95 | {_f(c['mAP50_95'])} |",
              f"| mAP@0.75 | {_f(c['mAP75'])} |",
              f"| class-agnostic AP@0.5 | {_f(c['class_agnostic'].get('AP50'))} |"]
    for name, v in c["per_class"].items():
        lines.append(f"| AP@0.5 {name} (n={v['n_truth']}) | {_f(v['AP50'])} |")
    lines += ["", "By size. COCO's \"small\" is < 32x32 px, which is nearly every street camera; the "
              "tertiles of this set's own box areas say more.", "",
              "| size | boxes | AP@0.5 | AP@0.5:0.95 |", "|---|---|---|---|"]
    for name, v in c["coco_area"].items():
        lines.append(f"| COCO {name} | {v['n_truth']} | {_f(v['AP50'])} | {_f(v['AP'])} |")
    for t in c["size_tertiles"]:
        hi = f"{t['side_px'][1]:g}" if t["side_px"][1] is not None else "inf"
        lines.append(f"| tertile {t['label']} (side {t['side_px'][0]:g}-{hi} px) | {t['n_truth']} | "
                     f"{_f(t['AP50'])} | {_f(t['AP'])} |")
    lines += ["", f"![PR curves]({images['pr']})", ""]
    lines += ["## Review effort", "",
              f"Effort model `{em['name']}`: full search {em['full_search_s']:g} s x {em['full_search_reviewers']} "
              f"volunteers per intersection; verifying a suggestion {em['verify_s']:g} s x {em['verify_reviewers']}; "
              f"{100 * em['spot_check_share']:g}% of intersections still fully searched as a spot check; "
              f"{em['per_intersection_s']:g} s overhead per intersection; a suggestion finds a camera at IoU >= "
              f"{em['match_iou']:g}. Recall counts physical cameras. Highest recall the model reaches: "
              f"{_f(e['max_recall'], True)}. Intervals: bootstrap over intersections.", "",
              "| target recall | reached | threshold | recall | suggestions / intersection "
              "(new camera / repeat / false alarm) | effort saved | "
              f"volunteer h per 1,000 intersections (full search {1000 * em['full_search_s'] * em['full_search_reviewers'] / 3600:.0f} h) |",
              "|---|---|---|---|---|---|---|"]
    for t in e["at_targets"]:
        if t["reached"]:
            lines.append(f"| {t['target_recall']:.0%} | yes | {_f(t['threshold'])} | {_f(t['recall'], True)} | "
                         f"{t['suggestions_per_intersection']:.2f}{_kinds(t)} | {_f(t['saved'], True)}{_ci(t)} | "
                         f"{t['volunteer_hours_per_1000_intersections']:.1f} |")
        else:
            lines.append(f"| {t['target_recall']:.0%} | **no** | | | | {t['note']} | |")
    lines += ["", f"![effort curve]({images['effort']})", ""]
    lines += ["## Type and mount (matched detections, IoU >= "
              f"{m['match_iou']:g}, score >= {m['confusion_conf']:g})", ""]
    for what in ("type", "mount"):
        cf = r["confusion"][what]
        if cf is None:
            lines += [f"{what}: not predicted by this model.", ""]
            continue
        lines += [f"{what}: accuracy on matched pairs {_f(cf['accuracy'], True)}", "",
                  "| truth \\ predicted | " + " | ".join(cf["labels"]) + " |",
                  "|---" * (len(cf["labels"]) + 1) + "|"]
        for lbl, row in zip(cf["labels"], cf["matrix"]):
            lines.append(f"| {lbl} | " + " | ".join(str(v) for v in row) + " |")
        lines += ["", f"![{what} confusion]({images[what]})", ""]
    lines += ["## Score calibration", "",
              f"ECE {_f(cal['ece'])} over {cal['n_detections']} detections with score >= {cal['min_score']:g} "
              "(correct = same-class match at IoU >= 0.5).", "", f"![reliability]({images['calibration']})", ""]
    return "\n".join(x for x in lines if x is not None) + "\n"


def _kinds(target: dict) -> str:
    k = target.get("suggestions")
    return f" ({k['new_camera']} / {k['repeat']} / {k['false_alarm']})" if k else ""


def _ci(target: dict) -> str:
    """' (90% CI a-b%, reached in p% of resamples)' from the bootstrap over intersections."""
    b = target.get("bootstrap")
    if not b or not b.get("saved_ci90"):
        return ""
    lo, hi = b["saved_ci90"]
    return f" (90% CI {100 * lo:.1f}-{100 * hi:.1f}%, reached in {100 * b['reached_share']:.0f}% of resamples)"


def html_page(md_text: str, title: str) -> str:
    """A self-contained HTML page: tables and images from the Markdown, no JS, no CDN."""
    out, in_table, in_list = [], False, False
    for line in md_text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= set("-") for c in cells):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("!["):
            alt, src = line[2:].split("](", 1)
            out.append(f'<p><img src="{html.escape(src.rstrip(")"))}" alt="{html.escape(alt)}"></p>')
        elif line.startswith("## "):
            out.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    if in_table:
        out.append("</table>")
    if in_list:
        out.append("</ul>")
    style = ("body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
             "td:first-child,th:first-child{text-align:left}img{max-width:100%}code{background:#f4f4f4}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")


def _inline(text: str) -> str:
    import re

    t = html.escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", t)


def write_report(result: dict, objects: dict, out: str | os.PathLike) -> dict[str, Path]:
    """Write report.json / .md / .html and plots/*.png under ``out``; returns the paths."""
    out = Path(out)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    coco, conf = objects["coco"], objects["confusion"]
    paths = {
        "pr": plots.pr_curves(coco.pr_curves, {k: v["AP50"] for k, v in result["coco"]["per_class"].items()},
                              out / "plots" / "pr_curves.png"),
        "effort": plots.effort(objects["effort"], out / "plots" / "effort_curve.png"),
        "calibration": plots.reliability(objects["calibration"], out / "plots" / "calibration.png"),
    }
    for what in ("type", "mount"):
        if conf.get(what) is not None:
            paths[what] = plots.confusion(conf[what], f"{what} confusion", out / "plots" / f"confusion_{what}.png")
    rel = {k: str(p.relative_to(out)) for k, p in paths.items()}
    atomic_write_text(out / "report.json", json.dumps(_clean(result), indent=1) + "\n")
    md = markdown(result, rel)
    atomic_write_text(out / "report.md", md)
    atomic_write_text(out / "report.html", html_page(md, f"camdetect eval: {result['meta'].get('model', '')}"))
    return {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html", **paths}
