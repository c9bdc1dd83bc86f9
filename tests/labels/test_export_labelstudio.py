"""Label Studio pre-annotations follow the documented task JSON (labelstud.io/guide/predictions) and
match the labeling config written beside them, so they import into Label Studio as they are."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from camdetect.labels.exporters import export_labels
from camdetect.labels.importers import import_labels
from camdetect.records import Tag

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture()
def exported(tmp_path):
    tags = import_labels("cvat", FIXTURES / "cvat" / "annotations.xml", strict=True).tags
    tags.append(Tag(source="model", image="corner_a.jpg", annotator="yolo11n-v3", x1=10, y1=20, x2=30, y2=44,
                    image_width=640, image_height=480, type="bullet", mount="building", score=0.42))
    out = tmp_path / "tasks.json"
    export_labels("labelstudio", tags, out, url_prefix="https://media.example.org/")
    config = ET.parse(tmp_path / "tasks_config.xml").getroot()
    return json.loads(out.read_text()), config


def test_tasks_have_data_and_scored_predictions(exported):
    tasks, _ = exported
    assert isinstance(tasks, list) and len(tasks) == 3
    for task in tasks:
        assert set(task) == {"data", "predictions"}
        assert task["data"]["image"] == "https://media.example.org/" + task["data"]["camdetect_image"]
        for pred in task["predictions"]:
            assert isinstance(pred["model_version"], str) and pred["model_version"]
            assert 0.0 <= pred["score"] <= 1.0 and isinstance(pred["result"], list)
    first = next(t for t in tasks if t["data"]["camdetect_image"] == "corner_a.jpg")
    versions = {p["model_version"]: p for p in first["predictions"]}
    assert set(versions) == {"bob", "yolo11n-v3"}
    model = versions["yolo11n-v3"]
    assert model["score"] == pytest.approx(0.42)
    box = next(r for r in model["result"] if r["type"] == "rectanglelabels")
    assert box["value"]["rectanglelabels"] == ["bullet"] and box["score"] == pytest.approx(0.42)
    assert box["value"]["x"] == pytest.approx(100 * 10 / 640) and box["value"]["height"] == pytest.approx(5.0)
    assert (box["original_width"], box["original_height"]) == (640, 480)
    # a task with no camera still gets an (empty) prediction: the annotator looked
    empty = next(t for t in tasks if t["data"]["camdetect_image"] == "empty_street.jpg")
    assert [p["result"] for p in empty["predictions"]] == [[]]


def test_results_match_the_labeling_config(exported):
    tasks, config = exported
    controls = {el.get("name"): el for el in config if el.tag in ("RectangleLabels", "Choices")}
    image = config.find("Image")
    assert image.get("value") == "$image"
    labels = {el.get("value") for el in controls["label"]}
    choices = {el.get("value") for el in controls["mount"]}
    assert controls["mount"].get("perRegion") == "true"
    for task in tasks:
        for pred in task["predictions"]:
            ids = [r["id"] for r in pred["result"] if r["type"] == "rectanglelabels"]
            assert len(ids) == len(set(ids))
            for r in pred["result"]:
                assert r["to_name"] == image.get("name") and r["from_name"] in controls
                v = r["value"]
                assert 0 <= v["x"] <= 100 and 0 <= v["y"] <= 100
                assert 0 < v["width"] <= 100 - v["x"] + 1e-9 and 0 < v["height"] <= 100 - v["y"] + 1e-9
                if r["type"] == "rectanglelabels":
                    assert r["from_name"] == "label" and set(v["rectanglelabels"]) <= labels
                else:  # per-region mount shares its rectangle's id
                    assert r["type"] == "choices" and r["id"] in ids and set(v["choices"]) <= choices


def test_model_version_option_merges_annotators(tmp_path):
    tags = import_labels("coco", FIXTURES / "coco" / "cameras.json", strict=True).tags
    export_labels("labelstudio", tags, tmp_path / "t.json", model_version="camdetect-v1")
    tasks = json.loads((tmp_path / "t.json").read_text())
    assert {p["model_version"] for t in tasks for p in t["predictions"]} == {"camdetect-v1"}
    assert all(len(t["predictions"]) == 1 for t in tasks)


def test_label_studio_sdk_accepts_predictions(exported, tmp_path):
    """Label Studio's own validator, when label-studio-sdk is installed (it is not a project dependency:
    it pins numpy/opencv differently; see docs/labels_io.md for the run on all Stanford tasks)."""
    sdk = pytest.importorskip("label_studio_sdk.label_interface")
    tasks, config = exported
    interface = sdk.LabelInterface(ET.tostring(config, encoding="unicode"))
    for task in tasks:
        for pred in task["predictions"]:
            assert interface.validate_prediction(pred, return_errors=True) == []
