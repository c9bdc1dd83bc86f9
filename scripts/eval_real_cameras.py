#!/usr/bin/env python
"""Real-image evaluation (issue 11): recall on real photos of street cameras and false suggestions per view
on real street imagery, for an ONNX detector (onnxruntime only). Logic: camdetect/evaluate/real_images.py.

    python scripts/eval_real_cameras.py                    # models/camdetect-default.onnx -> runs/eval/real
    python scripts/eval_real_cameras.py --model runs/export/new.onnx --out runs/eval/real-new

Writes OUT/real_cameras.json, OUT/real_cameras_sheet.png (hits, misses, top false suggestions) and
OUT/street_top_suggestions.png. Exits 0 with a note when ../shared/data is absent; bad input is one line
``error: FILE: problem`` and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from camdetect.evaluate.real_images import main

if __name__ == "__main__":
    sys.exit(main())
