"""scripts/bench_int8.py: the held-out street folder it evaluates on and the table it prints (no timing)."""

from __future__ import annotations

import numpy as np

from tests.conftest import load_script

bench_int8 = load_script("scripts/bench_int8.py")


def test_street_root_holds_only_held_out_folders(tmp_path):
    from camdetect.scoring.inputs import discover

    data = tmp_path / "data"
    for sub in ("opensfm", "pandaset"):
        (data / "street-backgrounds" / sub).mkdir(parents=True)
        (data / "street-backgrounds" / sub / f"{sub}.jpg").write_bytes(b"x")
    (data / "street-scenes").mkdir()
    root = bench_int8.held_out_street_root(data, tmp_path / "work", ["opensfm", "geovisio_pypi"])
    keys = [j.key for j in discover(root / "street-backgrounds", "view")]
    assert keys == ["opensfm/opensfm.jpg"]  # the calibrated pandaset is not evaluated as held out
    assert (root / "street-scenes").is_dir() and not (root / "panoramas").exists()


def _agree(n):
    return {"fp32_boxes": n, "int8_boxes": n, "matched": n, "matched_share": 1.0, "mean_iou": 0.99 if n else None,
            "mean_score_diff": 0.01}


def test_table_has_every_field_and_the_reason():
    from camdetect.export.int8_choice import decide

    row = {"fp32_images_per_s": 20.0, "int8_images_per_s": 22.0, "speedup": 1.1,
           "raw_ort": {"speedup": 1.2}, "real": {"ap50": 0.40}, "synthetic": {"map50": 0.27},
           "street": {"false_per_view": 0.12}, "agreement": {"real": _agree(3), "street": _agree(0)},
           "verdict": decide(1.1, {"real": (0.41, 0.40), "synthetic": (0.27, 0.27)})}
    res = {"models": {"m": {"fp32": {"real": {"ap50": 0.41}, "synthetic": {"map50": 0.27},
                                     "street": {"false_per_view": 0.1}},
                            "methods": {"minmax": row}, "chosen_method": "minmax"}}}
    lines = bench_int8.table(res).splitlines()
    assert len(lines) == 3 and lines[0].count("|") == lines[1].count("|") == lines[2].count("|")
    for cell in ("minmax **(chosen)**", "1.10x", "1.20x", "0.410 / 0.400", "0.270 / 0.270", "0.10 / 0.12",
                 "1.00 (3/3)", "fp32: speedup 1.10x < 1.3x"):
        assert cell in lines[2]


def test_at_conf_keeps_scores_at_or_above():
    from camdetect.records import Detections

    d = Detections(np.zeros((3, 4), np.float32), np.array([0.1, 0.25, 0.9], np.float32), np.zeros(3, np.int64))
    assert [len(x) for x in bench_int8.at_conf([d, Detections()], 0.25)] == [2, 0]
