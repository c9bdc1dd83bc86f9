"""Close-up cameras as a composite pastes them: each kind at one paste size, from the smallest render of that
kind (blown up) and from the smallest render that needs at most --max-upscale (what `render composite
--max-upscale` draws). Flat sky background, so the picture holds no third-party pixels.

    python scripts/closeup_sheet.py --sprites runs/sprites/v1 --sprites runs/sprites/hires --size 160 \
        --out docs/img/render_closeups.png

With ``--rounded DIR`` (a library rendered with the same seed and `render sprites --rounding`), each column is
one sprite as it is (top) and the same sprite id from DIR with rounded edges (bottom):

    python scripts/closeup_sheet.py --sprites runs/sprites/v1 --rounded runs/sprites/v1r --size 120 \
        --out docs/img/render_rounded.png

With ``--relit DIR`` (the same seed rendered with `render sprites --light-photos`), the bottom row is the same
sprite id lit by a map built from a street photo instead of an HDR sky (on the flat sky all the same):

    python scripts/closeup_sheet.py --sprites runs/sprites/v1 --relit runs/sprites/v1-photo --size 120 \
        --out docs/img/render_relit.png

With ``--continued``, each column is one sprite whose frame cuts a pole or an arm, pasted as `render composite`
does by default (top: the cut structure fades out) and with `--continue-mounts` (bottom: it runs on to the edge):

    python scripts/closeup_sheet.py --sprites runs/sprites/v1 --continued --size 40 --out docs/img/render_continued.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from camdetect.render import harmonise as hm
from camdetect.render.composite import _library, rendered_size, sprite_dirs_of
from camdetect.render.harmonise import Look


def panel(sp, size: int, look: Look, label: str, continued: bool = False, side: int = 0) -> np.ndarray:
    side = side or size + 40
    bg = hm.to_linear(np.full((side, side, 3), (150, 185, 215), np.uint8))  # RGB pale sky
    scale = size / rendered_size(sp, True)
    img = hm.prepare_sprite(sp.rgba, scale, look, np.random.default_rng(0), 0.0, fade=not continued)
    bx1, by1, bx2, by2 = sp.meta.box
    x, y = int(round(bg.shape[1] / 2 - (bx1 + bx2) / 2 * scale)), int(round(bg.shape[0] / 2 - (by1 + by2) / 2 * scale))
    hm.paste(bg, img, x, y)
    if continued:
        hm.continue_cut(bg, img, x, y)
    out = cv2.cvtColor(hm.to_srgb(bg), cv2.COLOR_RGB2BGR)
    cv2.putText(out, label, (4, out.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sprites", action="append", required=True, type=Path)
    ap.add_argument("--size", type=int, default=160, help="paste size: the camera box's longest side, px")
    ap.add_argument("--max-upscale", type=float, default=1.25)
    ap.add_argument("--kinds", default="dome_flush,dome_pendant,bullet,box_camera,alpr_box,alpr_flock")
    ap.add_argument("--rounded", type=Path, help="the same library rendered with --rounding: sharp vs rounded pairs")
    ap.add_argument("--relit", type=Path, help="the same library rendered with --light-photos: HDR sky vs photo pairs")
    ap.add_argument("--continued", action="store_true", help="faded vs carried-on poles and arms (--continue-mounts)")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    cams, _ = _library(sprite_dirs_of(a.sprites))
    look = Look(0.8, np.ones(3, np.float32))
    cols = []
    twin_dir = a.rounded or a.relit
    if twin_dir:  # pairs of one sprite id: as it is (top) and its twin (bottom)
        twins = {s.meta.id: s for s in _library(sprite_dirs_of([twin_dir]))[0]
                 if (s.meta.rounded if a.rounded else s.meta.light)}
        labels = ("sharp", "rounded") if a.rounded else ("HDR sky", "lit by photo")
        for kind in a.kinds.split(","):
            pairs = sorted(((s, twins[s.meta.id]) for s in cams if s.meta.kind == kind and s.meta.id in twins),
                           key=lambda p: -rendered_size(p[0], True))
            if pairs:
                top, bottom = pairs[0]  # the largest render of the kind: where edges and shading show
                cols.append(np.vstack([panel(top, a.size, look, f"{kind} {labels[0]}"),
                                       panel(bottom, a.size, look, labels[1])]))
    if a.continued:
        for kind in a.kinds.split(","):
            cut = [s for s in cams if s.meta.kind == kind and hm.cuts_cleanly(s.rgba)]
            if cut:
                sp = max(cut, key=lambda s: rendered_size(s, True))
                cols.append(np.vstack([panel(sp, a.size, look, f"{kind} faded", side=6 * a.size),
                                       panel(sp, a.size, look, "carried on", True, side=6 * a.size)]))
    for kind in ([] if twin_dir or a.continued else a.kinds.split(",")):
        own = sorted((s for s in cams if s.meta.kind == kind), key=lambda s: rendered_size(s, True))
        big = [s for s in own if rendered_size(s, True) * a.max_upscale >= a.size]
        if not own or not big:
            continue
        small = own[len(own) // 4]  # a typical small render, not the worst
        cols.append(np.vstack([panel(small, a.size, look, f"{kind} {a.size / rendered_size(small, True):.1f}x"),
                               panel(big[0], a.size, look, f"{kind} {a.size / rendered_size(big[0], True):.1f}x")]))
    if not cols:
        raise SystemExit(f"{', '.join(map(str, a.sprites))}: no kind has a render large enough for {a.size} px"
                         + (f" or a twin in {twin_dir}" if twin_dir else ""))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(a.out), np.hstack(cols))
    rows = "sharp renders, bottom row the same sprites rounded" if a.rounded else \
        "sprites lit by HDR skies, bottom row the same sprites lit by street photos" if a.relit else \
        "cut poles and arms faded, bottom row carried on" if a.continued else \
        "blown-up small renders, bottom row large renders"
    print(f"{a.out}: top row {rows}, {len(cols)} kinds at {a.size} px")


if __name__ == "__main__":
    main()
