#!/usr/bin/env python
"""Drop the mined hard negatives that sit on spots a person judged could be real cameras (the v7 review of every
mined box: three small things on poles and a sign top), so they never train as "not a camera".

    python training/drop_maybe_cameras.py IN.csv OUT.csv [--tolerance PX]

A row is dropped when its photo ends with one of the reviewed paths and its x1 is within ``--tolerance`` px of the
reviewed box's (0.5: the very boxes v7 reviewed; larger: another model's box on the same spot).
"""

from __future__ import annotations

import argparse
import csv
import sys

MAYBE_CAMERAS = (("pandaset/front_camera_50.jpg", 1074.1), ("pandaset/front_right_camera_36.jpg", 1775.3),
                 ("humus_cubemaps/VancouverConventionCentre_posx.jpg", 886.1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--tolerance", type=float, default=0.5)
    args = ap.parse_args(argv)
    with open(args.src, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keep = [r for r in rows if not any(r["path"].endswith(p) and abs(float(r["x1"]) - x) < args.tolerance
                                       for p, x in MAYBE_CAMERAS)]
    with open(args.dst, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(keep)
    print(f"{args.dst}: {len(keep)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
