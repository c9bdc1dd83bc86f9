"""Licence-plate readers in the review app: volunteers can answer "licence-plate reader" (type alpr),
and every export carries it (tag table, cameras, GeoJSON with OSM surveillance:type=ALPR, located, COCO, YOLO)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from camdetect.records import Camera, Tag, read_table
from camdetect.store.models import AddedBox, Answer
from camdetect.taxonomy import load_taxonomy

from .conftest import signup

HERE = Path(__file__).resolve().parents[2] / "camdetect" / "review"


def answer(client, csrf, task_id, **body):
    body.setdefault("answer", "yes")
    return client.post(f"/api/tasks/{task_id}/answer", json=body, headers={"x-csrf-token": csrf})


def test_task_page_has_a_button_and_a_key_for_every_type(make_client):
    c = make_client()
    signup(c, "vol1")
    html = c.get("/task").text
    buttons = re.findall(r'data-type="([a-z_]+)"', html)
    assert sorted(buttons) == sorted(load_taxonomy().types)
    assert "Licence-plate reader <kbd>L</kbd>" in html
    assert 'data-types="dome,bullet,unknown,alpr"' in html  # the missed-camera type list
    js = (HERE / "static" / "task.js").read_text()
    keyed = set(re.findall(r'\["type", "([a-z_]+)"\]', js))
    assert keyed == set(load_taxonomy().types)
    assert "licence-plate reader" in c.get("/tutorial").text.lower()


@pytest.mark.parametrize("body, status", [
    ({"answer": "yes", "type": "alpr", "mount": "street_furniture"}, 200),
    ({"answer": "yes", "type": "ALPR"}, 422),  # the API takes taxonomy names, not synonyms
    ({"answer": "yes", "added": [{"x1": 1, "y1": 1, "x2": 9, "y2": 9, "type": "alpr", "mount": "street_furniture"}]}, 200),
])
def test_alpr_answers_are_accepted(make_client, store, body, status):
    c = make_client(spot_rate=0.0)
    csrf = signup(c, "u01")
    t = c.get("/api/tasks/next").json()["task"]
    assert answer(c, csrf, t["id"], **body).status_code == status
    if status == 200:
        with store.read() as s:
            stored = s.scalar(select(Answer)).type if "type" in body else s.scalar(select(AddedBox)).type
        assert stored == "alpr"


def test_alpr_cameras_in_every_export(make_client, store, tmp_path, media):
    from camdetect.review.exports import write_exports

    coord = make_client(spot_rate=0.0)
    signup(coord, "coord")
    vols = [make_client(spot_rate=0.0) for _ in range(2)]
    toks = [signup(v, f"vol{i}") for i, v in enumerate(vols)]
    for _ in range(4):
        for v, t in zip(vols, toks):
            task = v.get("/api/tasks/next").json()["task"]
            assert answer(v, t, task["id"], type="alpr", mount="street_furniture").status_code == 200
    geo = coord.get("/export/cameras.geojson").json()
    props = [f["properties"] for f in geo["features"]]
    assert props and all(p["type"] == "alpr" for p in props)
    for p in props:
        tags = p["osm_tags"]
        assert tags["man_made"] == "surveillance" and tags["surveillance:type"] == "ALPR"
        assert tags["surveillance:zone"] == "traffic" and tags["camera:type"] == "fixed"
        assert tags["camera:mount"] == "pole"
    done = write_exports(store, tmp_path / "exp", ["tags", "cameras", "geojson", "located", "coco", "yolo"], media)
    assert {t.type for t in read_table(done["tags"], Tag) if t.kind == "tag"} == {"alpr"}
    assert {c.type for c in read_table(done["cameras"], Camera)} == {"alpr"}
    located = json.loads(Path(done["located"]).read_text())
    assert located["features"]
    for f in located["features"]:
        assert f["properties"]["camdetect:type"] == "alpr" and f["properties"]["surveillance:type"] == "ALPR"
    coco = json.loads((tmp_path / "exp" / "coco.json").read_text())
    alpr_id = {c["name"]: c["id"] for c in coco["categories"]}["alpr"]
    assert coco["annotations"] and {a["category_id"] for a in coco["annotations"]} == {alpr_id}
    data = yaml.safe_load((tmp_path / "exp" / "yolo" / "data.yaml").read_text())
    assert data["names"][2] == "alpr"
    lines = [ln for p in (tmp_path / "exp" / "yolo" / "labels").rglob("*.txt") for ln in p.read_text().splitlines()]
    assert lines and {ln.split()[0] for ln in lines} == {"2"}
