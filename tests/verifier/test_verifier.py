"""The verifier: its crop, score fusion, candidate labelling, and the whole data -> train -> rescore chain with
real ONNX models (a tiny random detector; a one-epoch classifier)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from camdetect.labels.exporters.yolo import yolo_boxes, yolo_line
from camdetect.records import Detections
from camdetect.verifier.crop import CropSpec
from camdetect.verifier.data import VerifierDataOptions, build_verifier_data, label_candidates
from camdetect.verifier.model import Verifier, fuse


def test_crop_spec_cuts_its_size_and_round_trips():
    spec = CropSpec(context=3.0, min_side=16, size=32)
    img = np.full((100, 120, 3), 50, np.uint8)
    assert spec.cut(img, (10, 10, 20, 30)).shape == (32, 32, 3)
    assert spec.cut(img, (-5, 90, 5, 110)).shape == (32, 32, 3)  # past the border: padded, not an error
    assert CropSpec.from_dict(spec.to_dict()) == spec
    assert CropSpec.from_dict(None) == CropSpec()
    with pytest.raises(ValueError, match="context >= 1"):
        CropSpec(context=0.5)
    coloured = np.zeros((100, 120, 3), np.uint8)
    coloured[:, :, 2] = np.tile(np.arange(120, dtype=np.uint8) * 2, (100, 1))  # a red ramp
    coloured[40:60, 40:60] = (0, 255, 0)
    grey = CropSpec(gray=True, detail=8, size=32)
    out = grey.cut(coloured, (40, 40, 60, 60))
    assert out.shape == (32, 32, 3) and np.array_equal(out[..., 0], out[..., 2])  # no colour left
    sharp = CropSpec(size=32).cut(coloured, (40, 40, 60, 60)).astype(int)
    assert np.abs(np.diff(out.astype(int), axis=1)).max() < np.abs(np.diff(sharp, axis=1)).max()  # edges softened
    assert CropSpec.from_dict(grey.to_dict()) == grey
    with pytest.raises(ValueError, match="detail 0 or >= 4"):
        CropSpec(detail=2)


def test_fuse_is_a_weighted_geometric_mean():
    s, p = np.array([0.64, 0.04, 0.5]), np.array([0.25, 1.0, 0.5])
    assert np.allclose(fuse(s, p, 0.5), [0.4, 0.2, 0.5])
    assert np.allclose(fuse(s, p, 1.0), p)
    assert np.allclose(fuse(s, p, 1e-12), s, atol=1e-6)
    assert fuse(np.array([0.9]), np.array([0.0]), 0.5)[0] < 1e-3  # a sure "not a camera" sinks a high score


def test_label_candidates_hit_miss_and_ambiguous():
    truth = np.array([[10, 10, 30, 30]], np.float32)
    cands = np.array([[11, 11, 31, 31], [200, 200, 220, 220], [20, 20, 40, 40], [300, 300, 310, 310]], np.float32)
    scores = np.array([0.9, 0.3, 0.5, 0.8], np.float32)
    pos, neg = label_candidates(cands, scores, truth, VerifierDataOptions(max_negatives_per_image=6))
    assert pos == [0]
    assert neg == [3, 1]  # highest score first; the half-overlapping box (2) is neither
    _, neg1 = label_candidates(cands, scores, truth, VerifierDataOptions(max_negatives_per_image=1))
    assert neg1 == [3]
    assert label_candidates(cands, scores, np.zeros((0, 4), np.float32), VerifierDataOptions())[0] == []


def test_yolo_boxes_inverts_yolo_line(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(yolo_line(2, (10, 20, 50, 80), 200, 100) + "\n")
    [(c, box)] = yolo_boxes(path, 200, 100)
    assert c == 2 and np.allclose(box, (10, 20, 50, 80), atol=1e-3)
    assert yolo_boxes(tmp_path / "missing.txt", 200, 100) == []


def _tiny_dataset(root: Path, rng: np.random.Generator) -> None:
    """Labelled 96 px tiles: a bright disc (the 'camera') on textured noise, train and val."""
    root.mkdir(parents=True)
    (root / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [dome, bullet, alpr]\n")
    for split, n in (("train", 6), ("val", 3)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            img = rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)
            cx, cy = (int(v) for v in rng.integers(20, 76, 2))
            cv2.circle(img, (cx, cy), 8, (240, 240, 240), -1)
            cv2.imwrite(str(root / "images" / split / f"t{i}.jpg"), img)
            (root / "labels" / split / f"t{i}.txt").write_text(
                yolo_line(0, (cx - 8, cy - 8, cx + 8, cy + 8), 96, 96) + "\n")


def _camdetect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from camdetect.cli import main; main()", *args],
                          check=False, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_onnx) -> dict:
    """Crops from a tiny labelled dataset and a mined-negatives file, and a one-epoch verifier trained on them
    through the CLI (once per module)."""
    tmp_path = tmp_path_factory.mktemp("verifier")
    rng = np.random.default_rng(0)
    ds = tmp_path / "ds"
    _tiny_dataset(ds, rng)
    photo = tmp_path / "street.jpg"
    cv2.imwrite(str(photo), rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    negs = tmp_path / "neg.csv"
    with negs.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "x1", "y1", "x2", "y2", "score", "model"])
        w.writerow([str(photo), 10, 10, 40, 40, 0.3, "m"])
        w.writerow([str(photo), 100, 50, 130, 80, 0.2, "m"])
    out = tmp_path / "crops"
    opts = VerifierDataOptions(conf=0.2, crop=CropSpec(size=32))
    doc = build_verifier_data(out, [ds], tiny_onnx, [negs], opts)
    again = build_verifier_data(out, [ds], tiny_onnx, [negs], opts)  # resumed: nothing redone
    for split in ("train", "val"):  # the random detector may propose nothing on a split: one crop by hand
        folder = out / split / "not_camera"
        if not folder.is_dir():
            folder.mkdir(parents=True)
            cv2.imwrite(str(folder / "x.jpg"), np.zeros((32, 32, 3), np.uint8))
    onnx = tmp_path / "verifier.onnx"
    r = _camdetect("verifier", "train", "--data", str(out), "--out", str(onnx), "--run", str(tmp_path / "run"),
                   "--epochs", "1", "--imgsz", "64", "--batch", "8", "--threads", "1", "--weight", "0.7")
    assert r.returncode == 0, r.stderr[-2000:]
    return {"crops": out, "doc": doc, "again": again, "onnx": onnx, "photo": photo, "run": tmp_path / "run"}


def test_crops_from_labels_detections_and_mined_negatives(trained):
    counts, out = trained["doc"]["counts"], trained["crops"]
    assert counts["train/camera"] >= 6 and counts["val/camera"] >= 3  # every labelled camera gives one crop
    assert counts.get("train/not_camera", 0) + counts.get("val/not_camera", 0) >= 2  # the two mined ones at least
    assert sum(counts.values()) <= sum(1 for _ in out.glob("*/*/*.jpg")) <= sum(counts.values()) + 2
    assert cv2.imread(str(next(out.glob("train/camera/*.jpg")))).shape == (32, 32, 3)
    assert trained["again"]["counts"] == counts


def test_trained_verifier_rescores_without_adding_or_dropping(trained, tiny_onnx):
    v = Verifier(trained["onnx"])
    assert v.crop == CropSpec(size=32) and v.weight == 0.7 and v.name == "verifier"
    assert v.candidate_floor(0.25) == pytest.approx(0.25 ** (1 / 0.3))
    img = cv2.imread(str(trained["photo"]))
    det = Detections(np.array([[10, 10, 40, 40], [100, 50, 130, 80]], np.float32), np.array([0.2, 0.9], np.float32),
                     np.array([0, 1]))
    p = v.p_camera(img, det.xyxy)
    assert p.shape == (2,) and np.all((p >= 0) & (p <= 1))
    out_det = v.rescore(img, det)
    assert np.allclose(np.sort(out_det.scores)[::-1], out_det.scores)  # sorted by the fused score
    assert np.allclose(np.sort(out_det.scores), np.sort(fuse(det.scores, p, 0.7)))
    assert sorted(map(tuple, out_det.xyxy.tolist())) == sorted(map(tuple, det.xyxy.tolist()))
    assert len(v.rescore(img, Detections())) == 0
    summary = json.loads((trained["run"] / "verifier.json").read_text())
    assert summary["onnx"] == str(trained["onnx"]) and summary["counts"] == trained["doc"]["counts"]

    from camdetect.evaluate.real_images import MultiScale

    plain = MultiScale(tiny_onnx, conf=0.05)(img)
    looked = MultiScale(tiny_onnx, conf=0.05, verifier=trained["onnx"])(img)
    assert len(plain) == len(looked)  # the real-image evaluator rescores every candidate, keeps them all
    if len(plain):
        assert not np.allclose(np.sort(plain.scores), np.sort(looked.scores))


def test_score_with_a_verifier_is_its_own_model(trained, tiny_onnx, tmp_path):
    from camdetect.scoring.pipeline import Scorer

    img = cv2.imread(str(trained["photo"]))
    plain = Scorer(tiny_onnx, conf=0.3)
    looked = Scorer(tiny_onnx, conf=0.3, verifier=trained["onnx"])
    assert looked.model_name == plain.model_name + "+verifier"
    assert looked.det_conf < plain.det_conf == 0.3  # candidates below the threshold still get their look
    det = looked.detect_view(img)
    assert np.all(det.scores >= 0.3)  # the threshold applies to the fused score
    v = Verifier(trained["onnx"])
    raw = Scorer(tiny_onnx, conf=looked.det_conf).detect_view(img)
    fused = v.rescore(img, raw)
    assert len(det) == int((fused.scores >= 0.3).sum())

    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.jpg"), img)
    db = tmp_path / "review.db"
    r = _camdetect("score", str(folder), "--model", str(tiny_onnx), "--verifier", str(trained["onnx"]), "--db", str(db),
                   "--out", str(tmp_path / "out"), "--conf", "0.3", "--no-progress")
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(line) for line in (tmp_path / "out" / "suggestions.jsonl").read_text().splitlines()]
    assert all(row["model"] == looked.model_name and row["score"] >= 0.3 for row in rows)
    r = _camdetect("score", str(folder), "--model", str(tiny_onnx), "--verifier", str(tiny_onnx), "--db", str(db))
    assert r.returncode == 2 and "not a verifier" in r.stderr


def test_bad_input_is_one_line(tmp_path, tiny_onnx):
    r = _camdetect("verifier", "train", "--data", str(tmp_path), "--out", str(tmp_path / "v.onnx"))
    assert r.returncode == 2 and "not a verifier crop folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _camdetect("verifier", "data", "--model", str(tmp_path / "none.onnx"), "--data", str(tmp_path),
                   "--out", str(tmp_path / "c"))
    assert r.returncode == 2 and "none.onnx: detector not found" in r.stderr
    r = _camdetect("verifier", "data", "--model", str(tiny_onnx), "--data", str(tmp_path), "--out", str(tmp_path / "c"))
    assert r.returncode == 2 and "no data.yaml" in r.stderr
    with pytest.raises(ValueError, match="not a verifier"):
        Verifier(tiny_onnx)  # a detector is not a verifier
    with pytest.raises(FileNotFoundError, match="verifier model not found"):
        Verifier(tmp_path / "none.onnx")


def test_auc_script_on_the_tiny_set(trained, tiny_onnx, tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    try:
        import verifier_auc
    finally:
        sys.path.pop(0)
    assert verifier_auc.roc_auc(np.array([1, 1, 0, 0], bool), np.array([0.9, 0.8, 0.1, 0.2])) == 1.0
    assert verifier_auc.roc_auc(np.array([1, 0], bool), np.array([0.5, 0.5])) == 0.5
    assert verifier_auc.roc_auc(np.array([1, 1], bool), np.array([0.5, 0.4])) is None
    out = tmp_path / "auc.json"
    ds = trained["crops"].parent / "ds"
    assert verifier_auc.main(["--data", str(ds), "--model", str(tiny_onnx), "--verifier", str(trained["onnx"]),
                              "--conf", "0.2", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert rows[-1]["side"] == [0, None] and rows[-1]["n"] == sum(r["n"] for r in rows[:-1])
    assert verifier_auc.main(["--data", str(ds), "--model", str(tmp_path / "x.onnx"), "--verifier", "v"]) == 2
