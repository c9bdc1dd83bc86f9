"""Real-image evaluation (camdetect.evaluate.real_images, scripts/eval_real_cameras.py): the hit rule,
recall at a false-suggestion budget, AP, and the whole command on a tiny real ONNX model and generated images."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from camdetect.evaluate.real_images import (
    Curve,
    EvalInputError,
    agnostic_merge,
    greedy_match,
    grown_area_share,
    hit_matrix,
    load_coco_boxes,
    load_street_truth,
    main,
)
from camdetect.records import Detections
from tests.conftest import load_script

ROOT = Path(__file__).resolve().parents[2]
TRUTH = [100, 100, 200, 200]  # 100 x 100; grown x1.25 -> 87.5 .. 212.5


@pytest.mark.parametrize("pred, expected", [
    ([100, 100, 200, 200], True),  # the same box
    ([145, 145, 155, 155], True),  # tiny box at the centre: IoU 0.01, centre inside
    ([205, 150, 215, 160], True),  # centre (210, 155) outside the box, inside the grown box
    ([209, 150, 219, 160], False),  # centre x 214 > 212.5, IoU 0
    ([150, 150, 290, 230], True),  # centre (220, 190) outside, IoU 2500 / 18700 = 0.134 >= 0.1
    ([150, 150, 350, 250], False),  # centre outside, IoU 2500 / 27500 = 0.09 < 0.1
    ([300, 300, 400, 400], False),  # far away
])
def test_hit_rule(pred, expected):
    assert hit_matrix([pred], [TRUTH])[0, 0] == expected


@pytest.mark.parametrize("pred, expected", [
    ([145, 145, 155, 155], False),  # centre inside but IoU 0.01: no hit without the centre rule
    ([150, 150, 290, 230], True),  # IoU 0.134
])
def test_hit_rule_iou_only(pred, expected):
    assert hit_matrix([pred], [TRUTH], grow=None)[0, 0] == expected


@pytest.mark.parametrize("preds, scores, truths, expected", [
    # two suggestions on one camera: the higher score takes it, the other is false
    ([[100, 100, 200, 200], [110, 110, 190, 190]], [0.4, 0.9], [TRUTH], [-1, 0]),
    # one suggestion over two cameras: it takes the one it overlaps most
    ([[100, 100, 200, 200]], [0.5], [[150, 100, 250, 200], [100, 100, 190, 200]], [1]),
    # a centre-only hit (IoU 0.0025) still matches
    ([[148, 148, 153, 153]], [0.3], [TRUTH], [0]),
    # nothing to match
    ([[0, 0, 10, 10]], [0.3], [TRUTH], [-1]),
    ([[0, 0, 10, 10]], [0.3], np.zeros((0, 4)), [-1]),
    (np.zeros((0, 4)), [], [TRUTH], []),
])
def test_greedy_match(preds, scores, truths, expected):
    assert greedy_match(np.asarray(preds, float).reshape(-1, 4), scores, truths).tolist() == expected


CURVE = Curve(np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([1, 0, 1, 0, 0], bool), n_truth=3, n_images=2)


@pytest.mark.parametrize("curve, budget, threshold, recall", [
    (CURVE, 2, 0.6, 2 / 3),  # false at 0.6: 0.8 and 0.6 -> 2 <= 2
    (CURVE, 1, 0.7, 2 / 3),
    (CURVE, 0, 0.9, 1 / 3),
    (CURVE, 10, 0.5, 2 / 3),  # every suggestion fits: the lowest score
    (Curve(np.array([0.9, 0.5, 0.5]), np.array([1, 0, 0], bool), 2, 1), 1, 0.9, 0.5),  # ties go together
    (Curve(np.array([0.9]), np.array([0], bool), 1, 1), 0, None, 0.0),  # top one already false
    (Curve(np.zeros(0), np.zeros(0, bool), 1, 1), 1, None, 0.0),
])
def test_recall_at_false_budget(curve, budget, threshold, recall):
    t = curve.threshold_at_false(budget)
    assert t == threshold
    assert curve.at(t)["recall"] == pytest.approx(recall)
    assert curve.at(t)["false"] <= budget


@pytest.mark.parametrize("scores, hit, n_truth, ap", [
    ([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0], 3, (1 + 2 / 3) / 3),  # envelope: 1 up to 1/3, 2/3 up to 2/3
    ([0.9, 0.8], [1, 1], 2, 1.0),
    ([0.9, 0.8], [0, 1], 2, 0.25),  # recall 1/2 reached at precision 1/2
    ([0.9], [0], 1, 0.0),
    ([], [], 2, 0.0),
    ([0.9], [0], 0, None),  # no truth: undefined
])
def test_ap_all_points(scores, hit, n_truth, ap):
    got = Curve(np.asarray(scores, float), np.asarray(hit, bool), n_truth, 1).ap()
    assert got == (None if ap is None else pytest.approx(ap))


@pytest.mark.parametrize("boxes, share", [
    ([[10, 10, 30, 30]], 0.0676),  # 20 px grown to 25 (7.5 .. 32.5 -> pixels 7..32): 26^2 / 100^2
    ([[0, 0, 100, 100]], 1.0),  # clipped to the image
    ([[10, 10, 30, 30], [10, 10, 30, 30]], 0.0676),  # overlaps count once
    (np.zeros((0, 4)), 0.0),
])
def test_grown_area_share(boxes, share):
    assert grown_area_share(np.asarray(boxes, float), (100, 100)) == pytest.approx(share)


def test_duplicates_not_false_variant():
    c = Curve.pool([(np.array([0.9, 0.8, 0.2]), np.array([1, 0, 0], bool), np.array([1, 1, 0], bool))], 1, 1)
    assert c.at(0.1)["false"] == 2 and c.at(0.1, exclude_duplicates=True)["false"] == 1
    assert c.threshold_at_false(0) == 0.9 and c.threshold_at_false(0, exclude_duplicates=True) == 0.8


def test_agnostic_merge_keeps_the_best_class():
    det = Detections(np.array([[0, 0, 10, 10], [1, 1, 9, 9], [50, 50, 60, 60]], np.float32),
                     np.array([0.3, 0.8, 0.5], np.float32), np.array([0, 1, 0]))
    out = agnostic_merge(det)
    assert sorted(zip(out.scores.astype(float).round(2).tolist(), out.class_ids.tolist())) == [(0.5, 0), (0.8, 1)]


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not valid JSON"),
    ('{"images": 1}', "not a COCO file"),
    ('{"images": [{"id": 1}], "annotations": []}', "malformed COCO entry"),
    (('{"images": [{"id": 1, "file_name": "a.png"}], "annotations": '
      '[{"image_id": 1, "bbox": [0, 0, 0, 5]}]}'), "empty or non-finite bbox"),
    ('{"images": [{"id": 1, "file_name": "missing.png"}], "annotations": []}', "not found"),
])
def test_bad_boxes_json(tmp_path, text, problem):
    path = tmp_path / "boxes.json"
    path.write_text(text)
    with pytest.raises(EvalInputError, match=problem):
        load_coco_boxes(path)


def test_street_truth_file_in_repo_is_valid():
    assert load_street_truth(ROOT / "configs/eval/street_cameras.json") == {}
    assert "comment" in json.loads((ROOT / "configs/eval/street_cameras.json").read_text())


# -- the whole command on a tiny real ONNX model ---------------------------------------------------

def _drawn(w: int, h: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 170, np.uint8)
    img[: h // 2] = (220, 190, 150)  # sky
    for _ in range(6):
        x, y = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 40))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(8, 40)), y + int(rng.integers(8, 40))),
                      tuple(int(v) for v in rng.integers(0, 255, 3)), -1)
    return img


def make_data(root: Path) -> Path:
    """A fake ../shared/data: real-cameras-dev (2 photos, 3 boxes), street-scenes (1), panoramas (1)."""
    (root / "real-cameras-dev" / "images").mkdir(parents=True)
    for i in range(2):
        cv2.imwrite(str(root / f"real-cameras-dev/images/cam{i}.png"), _drawn(480, 360, i))
    (root / "real-cameras-dev/boxes.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": "images/cam0.png", "width": 480, "height": 360},
                   {"id": 2, "file_name": "images/cam1.png", "width": 480, "height": 360}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [40, 50, 60, 40]},
                        {"id": 2, "image_id": 1, "category_id": 1, "bbox": [300, 200, 30, 30]},
                        {"id": 3, "image_id": 2, "category_id": 1, "bbox": [100, 100, 200, 150]}],
        "categories": [{"id": 1, "name": "camera"}]}))
    (root / "street-scenes").mkdir()
    cv2.imwrite(str(root / "street-scenes/s.jpg"), _drawn(400, 300, 7))
    (root / "panoramas").mkdir()
    cv2.imwrite(str(root / "panoramas/p.jpg"), _drawn(1024, 512, 8))
    return root


def test_command_on_tiny_model(tmp_path, tiny_onnx, capsys):
    data = make_data(tmp_path / "data")
    plan = tmp_path / "plan.yaml"
    plan.write_text("n_headings: 2\nheading_offset: 0\npitch: 10\nfov: 90\nwidth: 320\nheight: 320\n")
    truth = tmp_path / "street.json"
    truth.write_text(json.dumps({"comment": "test", "cameras": [{"file": "street-scenes/s.jpg",
                                                                 "bbox": [0, 0, 400, 300]}]}))
    out = tmp_path / "out"
    rc = main(["--model", str(tiny_onnx), "--data", str(data), "--out", str(out), "--plan", str(plan),
               "--street-truth", str(truth), "--threads", "1", "--no-progress"])
    assert rc == 0
    res = json.loads((out / "real_cameras.json").read_text())
    r = res["real_cameras"]
    assert (r["images"], r["truth"]) == (2, 3)
    assert r["at_1fp"]["false"] <= 2 and 0 <= r["ap50"] <= 1
    assert r["iou_only"]["at_stored"]["hits"] <= r["at_stored"]["hits"]
    assert res["thresholds"]["at_1fp"] == r["at_1fp"]["threshold"]
    assert res["thresholds"]["stored"] == r["at_stored"]["threshold"]
    assert [f["file"] for f in r["per_image"]] == ["images/cam0.png", "images/cam1.png"]
    street = res["street"]
    assert street["street-scenes"]["views"] == 1 and street["street-scenes"]["truth_cameras"] == 1
    assert street["panoramas"]["views"] == 2  # the plan's 2 views of one panorama
    assert all(d["key"].startswith("panoramas/p.jpg#") for d in res["street_top"] if d["set"] == "panoramas")
    # the whole street-scenes photo is a "camera": nothing there is false
    assert street["street-scenes"]["stored"]["false"] == 0
    assert all(v < street["street-scenes"]["stored"]["threshold"] for v in street["street-scenes"]["false_scores"])
    pano_false = street["panoramas"]["false_scores"]  # every false score >= the floor, for any threshold later
    assert pano_false == sorted(pano_false, reverse=True) and all(v >= 0.01 for v in pano_false)
    assert sum(v >= street["panoramas"]["stored"]["threshold"] for v in pano_false) == street["panoramas"]["stored"]["false"]
    assert main(["--model", str(tiny_onnx), "--data", str(data), "--out", str(tmp_path / "both"), "--plan", str(plan),
                 "--street-truth", str(truth), "--threads", "1", "--no-progress", "--no-street",
                 "--ensemble", str(tiny_onnx)]) == 0
    both = json.loads((tmp_path / "both" / "real_cameras.json").read_text())
    assert both["ensemble"] == [str(tiny_onnx)]  # a model fused with itself: every box at its own score
    assert both["real_cameras"]["ap50"] == pytest.approx(r["ap50"], abs=1e-6)
    assert both["real_cameras"]["predictions"] == r["predictions"]
    assert main(["--model", str(tiny_onnx), "--data", str(data), "--out", str(tmp_path / "ov"), "--plan", str(plan),
                 "--street-truth", str(truth), "--threads", "1", "--no-progress", "--no-street",
                 "--runtime", "openvino"]) == 0
    ov = json.loads((tmp_path / "ov" / "real_cameras.json").read_text())
    assert (res["runtime"], ov["runtime"]) == ("onnxruntime", "openvino")
    # not compared box for box: on cam1 this random model scores hundreds of boxes exactly 1.0 under either library,
    # so which 300 survive is arbitrary; that the libraries agree to float rounding is tests/scoring/test_runtime.py's
    assert ov["real_cameras"]["predictions"] > 0 and 0 <= ov["real_cameras"]["ap50"] <= 1
    for name in ("real_sheet", "street_sheet"):
        if name in res["files"]:
            assert cv2.imread(res["files"][name]) is not None
    assert (out / "real_cameras_sheet.png").is_file()
    printed = capsys.readouterr().out
    assert "recall at <= 1 false" in printed and "whole pass alone" in printed
    # each pass alone finds no more than all passes together can at the score floor
    assert set(r["passes"]) == {"whole", "mid", "native"}
    for pm in r["passes"].values():
        assert 0 <= pm["max_recall"] <= r["max_recall"] and pm["at_1fp"]["false_per_image"] <= 1


def test_command_errors_and_skip(tmp_path, tiny_onnx, capsys):
    data = make_data(tmp_path / "data")
    assert main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]) == 0
    assert "skip:" in capsys.readouterr().out
    assert main(["--model", str(tmp_path / "none.onnx"), "--data", str(data), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path / 'none.onnx'}: model not found"
    assert main(["--model", str(tiny_onnx), "--data", str(data), "--out", str(tmp_path / "o"), "--runtime", "trt"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --runtime 'trt': expected one of")
    (data / "real-cameras-dev/boxes.json").write_text("{broken")
    assert main(["--model", str(tiny_onnx), "--data", str(data), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {data / 'real-cameras-dev/boxes.json'}: not valid JSON")


@pytest.mark.shared_data
def test_script_on_the_real_data(shared_data, tmp_path):
    """The 23 real photos with the shipped model (~15 s; the street sets are left to the script itself)."""
    model = ROOT / "models/camdetect-default.onnx"
    if not (shared_data / "real-cameras-dev/boxes.json").is_file() or not model.is_file():
        pytest.skip("real-cameras-dev or the shipped model is absent")
    out = tmp_path / "real"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts/eval_real_cameras.py"), "--data", str(shared_data),
                           "--out", str(out), "--no-street", "--no-progress"],
                          check=False, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((out / "real_cameras.json").read_text())
    assert (res["real_cameras"]["images"], res["real_cameras"]["truth"]) == (23, 24)
    assert 0 <= res["real_cameras"]["at_1fp"]["false"] <= 23
    assert "street" not in res  # the street sets take minutes; test_command_on_tiny_model covers that path
    assert (out / "real_cameras_sheet.png").is_file()


def _photos(hits_per_photo: list[list[int]]) -> list[dict]:
    """One photo per entry, one camera each; predictions scored 0.9, 0.8, ... with these hit flags."""
    return [{"file": f"p{i}.jpg", "n_truth": 1, "scores": [0.9 - 0.1 * k for k in range(len(h))], "hit": h,
             "on_camera": h} for i, h in enumerate(hits_per_photo)]


def test_resampled_photos_are_paired_and_bounded():
    from camdetect.evaluate.real_images import interval90, resampled

    good = _photos([[1], [1], [1, 0], [0, 1]])
    draws = resampled(good, draws=200, seed=3)
    assert len(draws) == 200 and all(0.0 <= r <= 1.0 and 0.0 <= ap <= 1.0 for r, ap in draws)
    assert draws == resampled(good, draws=200, seed=3)  # same seed, same photos: the same resamples
    lo, hi = interval90([r for r, _ in draws])
    assert 0.0 <= lo <= hi <= 1.0
    perfect = resampled(_photos([[1], [1], [1], [1]]), draws=50, seed=3)
    assert {r for r, _ in perfect} == {1.0}


def test_paired_comparison_counts_which_model_wins(tmp_path):
    real_summary = load_script("scripts/real_summary.py")
    a = {"real_cameras": {"photos": _photos([[1], [1], [1], [0, 1]])}}
    b = {"real_cameras": {"photos": _photos([[0], [0, 1], [1], [0]])}}
    res = real_summary.paired(a, b, draws=300)
    assert res["recall_at_1fp"]["a_better"] > 0.8 and res["recall_at_1fp"]["b_better"] < 0.05
    assert sum(res["ap50"].values()) == pytest.approx(1.0)
    other = {"real_cameras": {"photos": _photos([[1]])}}
    with pytest.raises(SystemExit, match="different photos"):
        real_summary.paired(a, other)


def test_ensemble_merge_averages_scores_over_models():
    from camdetect.evaluate.real_images import ensemble_merge

    a = Detections(np.array([[0, 0, 10, 10], [50, 50, 60, 60], [2, 0, 12, 10]], np.float32),
                   np.array([0.8, 0.6, 0.5], np.float32), np.array([0, 1, 0]))
    b = Detections(np.array([[1, 1, 11, 11], [100, 100, 110, 110]], np.float32), np.array([0.4, 0.9], np.float32),
                   np.array([2, 0]))
    d = ensemble_merge([a, b])
    assert len(d) == 4  # a's second box on the shared spot is its own model's: never fused with a's first
    assert np.allclose(d.scores, [0.6, 0.45, 0.3, 0.25])  # (0.8 + 0.4) / 2; unmatched boxes keep half
    assert np.allclose(d.xyxy[0], [1 / 3, 1 / 3, 10 + 1 / 3, 10 + 1 / 3], atol=1e-5)  # score-weighted mean box
    assert d.class_ids[0] == 0  # the best box's class
    assert len(ensemble_merge([Detections(), Detections()])) == 0
    single = ensemble_merge([a])
    assert np.allclose(np.sort(single.scores), np.sort(a.scores))


def test_gray_feeds_the_detector_grey_pixels(tiny_onnx, tmp_path):
    """--gray: the same boxes as a colour evaluator shown the image already greyed (training/gray_dataset.py's rule)."""
    from camdetect.evaluate.real_images import MultiScale

    img = _drawn(480, 360, 3)
    grey = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)  # the rule, spelt out
    a = MultiScale(tiny_onnx, conf=0.05, threads=1, gray=True)(img)
    b = MultiScale(tiny_onnx, conf=0.05, threads=1)(grey)
    assert len(a) > 0 and np.array_equal(a.xyxy, b.xyxy) and np.array_equal(a.scores, b.scores)
    # the dataset copy writes that same grey image (as a JPEG) and keeps the labels
    mod = load_script("training/gray_dataset.py")
    src = tmp_path / "ds"
    (src / "images" / "train").mkdir(parents=True)
    (src / "labels" / "train").mkdir(parents=True)
    cv2.imwrite(str(src / "images" / "train" / "a.png"), img)
    (src / "labels" / "train" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (src / "data.yaml").write_text("train: images/train\nval: images/train\nnames: [dome]\n")
    assert mod.main([str(src), str(tmp_path / "out")]) == 0
    out = cv2.imread(str(tmp_path / "out" / "images" / "train" / "a.jpg"))
    assert out.shape == img.shape and np.abs(out.astype(int) - grey.astype(int)).mean() < 2  # JPEG q95
    assert (out[..., 0] == out[..., 1]).mean() > 0.99
    assert (tmp_path / "out" / "labels" / "train" / "a.txt").read_text() == "0 0.5 0.5 0.1 0.1\n"
    assert mod.main([str(tmp_path / "absent"), str(tmp_path / "o2")]) == 2


def test_passes_split_the_units_and_merge_to_the_single_call(tiny_onnx):
    """passes(): every network unit's boxes under the pass it belongs to; merged, exactly what single() returns."""
    from camdetect.evaluate.real_images import MultiScale, network_units, pass_name

    img = _drawn(1400, 900, 4)  # shrunk below half for the whole pass: all three passes run
    ms = MultiScale(tiny_onnx, conf=0.05, threads=1)
    units = network_units(img, ms.imgsz, ms.tile)
    names = [pass_name(i, s) for i, (_, s, _, _) in enumerate(units)]
    assert names[0] == "whole" and names.count("whole") == 1 and "mid" in names and "native" in names
    raw = ms.passes(img)
    dets = ms.detector.predict([u[0] for u in units], conf=0.05)
    for name in ("whole", "mid", "native"):
        assert len(raw[name]) == sum(len(d) for d, n in zip(dets, names) if n == name)
    whole = dets[0]
    assert np.allclose(raw["whole"].xyxy, whole.xyxy)  # the whole image's unit is in image pixels already
    a, b = ms(img), ms(img, raw)
    assert len(a) > 0 and np.array_equal(a.xyxy, b.xyxy) and np.array_equal(a.scores, b.scores)
    assert a.xyxy[:, 2].max() <= img.shape[1] and a.xyxy[:, 3].max() <= img.shape[0]


def test_one_class_copy_relabels_every_box(tmp_path):
    """training/one_class_dataset.py (v18): class ids -> 0, coordinates and images as they are, data.yaml kept."""
    mod = load_script("training/one_class_dataset.py")
    src = tmp_path / "ds"
    for part in ("images/train", "labels/train", "images/val", "labels/val"):
        (src / part).mkdir(parents=True)
    cv2.imwrite(str(src / "images/train/a.png"), _drawn(64, 64, 1))
    cv2.imwrite(str(src / "images/val/b.png"), _drawn(64, 64, 2))
    (src / "labels/train/a.txt").write_text("2 0.5 0.5 0.1 0.2\n1 0.25 0.25 0.05 0.05\n\n")
    (src / "labels/val/b.txt").write_text("")
    (src / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [dome, bullet, alpr]\n")
    assert mod.main([str(src), str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    assert (out / "labels/train/a.txt").read_text() == "0 0.5 0.5 0.1 0.2\n0 0.25 0.25 0.05 0.05\n"
    assert (out / "labels/val/b.txt").read_text() == ""
    assert (out / "images/train/a.png").samefile(src / "images/train/a.png")
    assert (out / "data.yaml").read_text() == (src / "data.yaml").read_text()
    assert mod.main([str(src), str(out)]) == 0  # re-run: nothing breaks, nothing doubles
    assert (out / "labels/train/a.txt").read_text().count("\n") == 2
    assert mod.main([str(tmp_path / "nothing"), str(tmp_path / "o2")]) == 2
