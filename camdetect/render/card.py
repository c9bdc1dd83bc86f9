"""The composite dataset's card: counts by split, class, kind and background source, camera sizes,
and a contact sheet PNG (green: labelled cameras; look-alikes are unmarked, as the detector sees them)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np


def contact_sheet(out: Path, records: list[dict], n: int = 24, cols: int = 6, size: int = 200) -> Path:
    chosen = [r for r in records if r["boxes"]][: n * 2 // 3] + [r for r in records if not r["boxes"]][: n // 3]
    tiles = []
    for r in chosen[:n]:
        img = cv2.imread(str(out / "images" / r["split"] / f"{r['name']}.jpg"))
        if img is None:
            continue
        f = size / img.shape[1]
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        for b in r["boxes"]:
            cv2.rectangle(img, (int(b[0] * f) - 1, int(b[1] * f) - 1), (int(b[2] * f) + 1, int(b[3] * f) + 1),
                          (0, 255, 0), 1)
        label = ",".join(sorted(set(r["kinds"]))) or "look-alikes only"
        cv2.putText(img, label[:30], (2, size - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(img)
    while len(tiles) % cols or not tiles:
        tiles.append(np.zeros((size, size, 3), np.uint8))
    sheet = np.vstack([np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)])
    path = out / "contact_sheet.png"
    cv2.imwrite(str(path), sheet)
    return path


def _size_plot(out: Path, sizes: list[float]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(sizes, bins=np.geomspace(3, 300, 30), color="#3a7")
    ax.set_xscale("log")
    ax.set_xlabel("camera box, longest side (px of a tile)")
    ax.set_ylabel("boxes")
    fig.tight_layout()
    path = out / "box_sizes.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_card(out: Path, records: list[dict], opts, names: list[str], included: dict, command: str,
               backgrounds: list, sprite_dirs: tuple[str, ...]) -> dict:
    by_split = Counter(r["split"] for r in records)
    boxes = Counter((r["split"], c) for r in records for c in r["classes"])
    kinds = Counter(k for r in records for k in r["kinds"])
    decoys = Counter(k for r in records for k in r["decoys"])
    sources = Counter(Path(r["background"]).parent.name for r in records)
    sizes = [max(b[2] - b[0], b[3] - b[1]) for r in records for b in r["boxes"]]
    q = np.percentile(sizes, [10, 50, 90]).round(1).tolist() if sizes else []
    ups = np.array([u for r in records for u in r.get("upscales", [])])
    upscale = ({"p50_p90_max": np.percentile(ups, [50, 90, 100]).round(2).tolist(),
                "share_over_1.25": round(float((ups > 1.25).mean()), 3), "share_over_2": round(float((ups > 2).mean()), 3)}
               if len(ups) else {})
    hard = sum(r.get("hard_negative") is not None for r in records)
    pastes = sum(len(r["kinds"]) + len(r["decoys"]) for r in records)
    photo_lit = sum(r.get("photo_lit", 0) for r in records)
    camera_tiles = sum(bool(r.get("camera_pipeline")) for r in records)
    frames = np.array([f for r in records for f in r.get("decoy_frames", [])])
    decoy_q = np.percentile(frames, [10, 50, 90]).round(1).tolist() if len(frames) else []
    sheet = contact_sheet(out, records)
    _size_plot(out, sizes)
    summary = {"tiles": dict(by_split), "boxes": {f"{s}/{c}": n for (s, c), n in sorted(boxes.items())},
               "kinds": dict(kinds), "decoys": dict(decoys), "background_sources": dict(sources),
               "size_p10_p50_p90": q, "upscale": upscale, "decoy_frame_p10_p50_p90": decoy_q, "hard_negative_tiles": hard,
               "photo_lit_pastes": photo_lit, "camera_pipeline_tiles": camera_tiles, "included": included, "options": asdict(opts), "command": command,
               "backgrounds": {str(b.root): len(b.files) for b in backgrounds}, "sprites": ", ".join(sprite_dirs)}
    (out / "composites.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    _dataset_json(out, records, opts, names, included, command, summary)
    lines = [f"# Composite dataset: {out.name}", "",
             f"Command: `{command}`", "",
             f"Tiles of {opts.tile} px: " + ", ".join(f"{k} {v}" for k, v in sorted(by_split.items()))
             + "; backgrounds: " + ", ".join(f"{b.root} ({len(b.files)} images, weight {b.weight:g})" for b in backgrounds)
             + f"; classes {names}.", "",
             "| split | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for s in sorted(by_split):
        lines.append(f"| {s} | " + " | ".join(str(boxes.get((s, c), 0)) for c in names) + " |")
    lines += ["", f"Camera box longest side p10/p50/p90: {q} px (histogram: box_sizes.png).", ""]
    if upscale:
        lines += [f"Camera sprites enlarged when pasted (paste / render size) p50/p90/max {upscale['p50_p90_max']}; "
                  f"{upscale['share_over_1.25']:.1%} of cameras over 1.25x, {upscale['share_over_2']:.1%} over 2x "
                  f"(max_upscale {opts.max_upscale:g}: 0 = any sprite at any size).", ""]
    lines += [
              "Camera kinds: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()), "",
              "Look-alikes (unlabelled): " + ", ".join(f"{k} {v}" for k, v in decoys.most_common()), "",
              f"Look-alike frame side p10/p50/p90: {decoy_q} px (lookalike_size {opts.lookalike_size}: frame = 2-4x a "
              "camera's size, true = true to size in metres next to the cameras).", "",
              f"Tiles cropped around a mined hard negative: {hard} of {len(records)}"
              + (f" (share {opts.hard_share:g} of `{opts.hard_negatives}`)." if opts.hard_negatives else "."), "",
              "Background sources (folder): " + ", ".join(f"{k} {v}" for k, v in sources.most_common()), ""]
    if included:
        lines += ["Included datasets (as they are): " + ", ".join(f"{k} {v}" for k, v in included.items()), ""]
    lines += [f"Harmonisation {'on' if opts.harmonise else 'off'}, look-alikes {'on' if opts.decoys else 'off'}, "
              f"occlusion {opts.occlusion}, JPEG {opts.jpeg}, cut poles and arms "
              f"{'carried on to the tile edge' if opts.continue_mounts else 'faded at the sprite edge'}, background crops "
              f"at the scorer's scale: share {opts.native_share:g} (the rest shrunk from tile .. short side).", "",
              f"Sprites lit by their own background photo: {photo_lit} of {pastes} kept pastes "
              f"(match_light {opts.match_light:g}; sprites from `render sprites --light-photos`).", "",
              f"Tiles through a simulated street camera (Bayer noise, demosaicing, unsharp mask): {camera_tiles} of "
              f"{len(records)} (camera_pipeline {opts.camera_pipeline:g}).", "",
              f"![contact sheet]({sheet.name})", ""]
    (out / "card.md").write_text("\n".join(lines), encoding="utf-8")
    return summary


def _dataset_json(out: Path, records: list[dict], opts, names: list[str], included: dict, command: str,
                  summary: dict) -> None:
    """``dataset.json`` as ``camdetect dataset build`` writes it, so training records the tile side the scorer
    must cut (``options.tile``) and the model card shows the splits."""
    from camdetect.dataset.card import dataset_hash
    from camdetect.durable import atomic_write_json

    splits: dict[str, dict] = {}
    for r in records:
        sp = splits.setdefault(r["split"], {"images": 0, "boxes": 0, "weak_boxes": 0,
                                            "boxes_per_class": {n: 0 for n in names}})
        sp["images"] += 1
        sp["boxes"] += len(r["boxes"])
        for c in r["classes"]:
            if c in sp["boxes_per_class"]:
                sp["boxes_per_class"][c] += 1
    for split, n in ((s, v) for inc in included.values() for s, v in inc.items()):
        splits.setdefault(split, {"images": 0, "boxes": 0, "weak_boxes": 0})
        splits[split]["included_images"] = splits[split].get("included_images", 0) + n
    doc = {"mode": "composite", "command": command, "sources": {"backgrounds": summary["backgrounds"],
                                                                  "sprites": summary["sprites"], "included": included},
           "options": {"tile": opts.tile, "classes": "type", "composite": asdict(opts)}, "class_names": list(names),
           "hash": dataset_hash(out), "warnings": [], "splits": splits}
    atomic_write_json(out / "dataset.json", doc)
