"""Taxonomy: every real-world label we know maps; unknown labels fail loudly with file and line."""

from __future__ import annotations

import pytest

from camdetect.taxonomy import LabelWarnings, Taxonomy, UnknownLabelError, load_taxonomy

TAX = load_taxonomy()


@pytest.mark.parametrize(
    "raw, expected",
    [
        # Amnesty Decoders Type values and Title-like strings
        ("dome", "dome"), ("Dome", "dome"), ("bullet", "bullet"), ("unknown", "unknown"),
        ("Dome camera", "dome"), ("PTZ camera on a pole", "dome"), ("Bullet camera", "bullet"),
        # Stanford classes
        ("Directed Camera", "bullet"), ("Dome Camera", "dome"),
        # OSM camera:type
        ("fixed", "bullet"), ("panning", "dome"),
        # common words
        ("globe", "dome"), ("PTZ", "dome"), ("directed", "bullet"), ("  DOME  ", "dome"), ("", "unknown"),
        # licence-plate readers (OSM surveillance:type=ALPR, as deflock maps them)
        ("alpr", "alpr"), ("ALPR", "alpr"), ("ANPR", "alpr"), ("LPR", "alpr"), ("License Plate Reader", "alpr"),
        ("licence-plate reader", "alpr"), ("license_plate_recognition", "alpr"), ("Plate reader", "alpr"),
        ("Flock", "alpr"), ("Flock Safety", "alpr"), ("flock safety camera", "alpr"),
        ("automatic number plate recognition", "alpr"), ("surveillance:type=ALPR", "alpr"),
        # free text: a specific word beats the generic "camera" (-> unknown)
        ("LPR camera on a pole", "alpr"), ("Flock Falcon on a pole", "alpr"), ("Motorola ALPR unit", "alpr"),
        ("Camera on building", "unknown"), ("CCTV camera", "unknown"), ("Dome camera on a wall", "dome"),
    ],
)
def test_type_synonyms(raw, expected):
    assert TAX.map_type(raw) == expected


@pytest.mark.parametrize(
    "raw, mount, detail",
    [
        ("street_light/traffic_signal/road_sign", "street_furniture", ""),
        ("building", "building", ""), ("unknown", "other", ""),
        # OSM camera:mount
        ("pole", "street_furniture", "pole"), ("wall", "building", ""),
        ("street_lamp", "street_furniture", "streetlight"),
        ("traffic_signals", "street_furniture", "traffic_signal"), ("ceiling", "building", ""),
        ("Street Light", "street_furniture", "streetlight"),
    ],
)
def test_mount_synonyms(raw, mount, detail):
    assert TAX.map_mount(raw) == mount
    assert TAX.mount_detail(raw) == detail


def test_unknown_label_strict_names_file_line_and_value():
    with pytest.raises(UnknownLabelError, match=r"cams\.csv:7: unknown type label 'toaster'"):
        TAX.map_type("toaster", path="cams.csv", line=7)


def test_unknown_label_lenient_is_counted():
    warnings = LabelWarnings()
    assert TAX.map_type("toaster", strict=False, warnings=warnings, path="a.csv", line=2) == "unknown"
    assert TAX.map_mount("spaceship", strict=False, warnings=warnings, path="a.csv", line=3) == "other"
    assert warnings.total == 2
    assert "a.csv:2" in warnings.summary()


@pytest.mark.parametrize(
    "type_, mount, detail, expected",
    [
        ("dome", "street_furniture", "streetlight", {"camera:type": "dome", "camera:mount": "street_lamp"}),
        ("bullet", "building", "", {"camera:type": "fixed", "camera:mount": "wall"}),
        ("bullet", "street_furniture", "", {"camera:type": "fixed", "camera:mount": "pole"}),
        ("unknown", "other", "", {}),
        ("alpr", "street_furniture", "pole", {"camera:type": "fixed", "camera:mount": "pole",
                                              "surveillance:type": "ALPR", "surveillance:zone": "traffic"}),
        ("alpr", "building", "", {"camera:type": "fixed", "camera:mount": "wall", "surveillance:type": "ALPR"}),
    ],
)
def test_osm_tags(type_, mount, detail, expected):
    tags = TAX.osm_tags(type_, mount, detail)
    assert tags["man_made"] == "surveillance"
    assert tags["surveillance:type"] == expected.get("surveillance:type", "camera")
    for key, value in expected.items():
        assert tags[key] == value
    if not expected:
        assert "camera:type" not in tags and "camera:mount" not in tags


def test_detector_classes_are_types():
    assert set(TAX.detector_classes) <= set(TAX.types)
    assert TAX.class_id("bullet") == TAX.detector_classes.index("bullet")


def test_new_classes_are_appended():
    """Class indices of models trained before alpr keep their meaning: dome 0, bullet 1, alpr 2."""
    assert TAX.detector_classes[:3] == ("dome", "bullet", "alpr")
    assert [TAX.class_id(t) for t in ("dome", "bullet", "alpr", "unknown")] == [0, 1, 2, 0]
    assert TAX.types[:3] == ("dome", "bullet", "unknown")  # COCO category ids 1-3 as before


def test_package_copy_is_the_configs_file():
    from pathlib import Path

    from camdetect.taxonomy import PACKAGE_COPY

    configs = Path(__file__).resolve().parents[1] / "configs" / "taxonomy.yaml"
    assert PACKAGE_COPY.read_bytes() == configs.read_bytes()


def test_custom_taxonomy_file(tmp_path):
    path = tmp_path / "tax.yaml"
    path.write_text(
        "types: {dome: {synonyms: [kuppel]}, bullet: {}, unknown: {}}\n"
        "mounts: {street_furniture: {}, building: {synonyms: [gebaeude]}, other: {}}\n"
        "detector_classes: [dome, bullet]\n"
        "osm: {base: {man_made: surveillance}, camera_type: {}, camera_mount: {}, camera_mount_detail: {}}\n"
    )
    tax = Taxonomy.load(path)
    assert tax.map_type("Kuppel") == "dome" and tax.map_mount("Gebaeude") == "building"
