"""Bad input, format by format: strict mode stops with ONE line naming file, line and problem;
lenient mode imports the rest and counts the problem in the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from camdetect.labels.importers import import_labels

FIXTURES = Path(__file__).parent / "fixtures"
MAIN = {  # format -> (fixture folder, file to damage, SRC relative to the copied folder)
    "decoders": ("decoders", "cameras.csv", "."),
    "stanford": ("stanford", "meta.csv", "meta.csv"),
    "coco": ("coco", "cameras.json", "cameras.json"),
    "yolo": ("yolo", "labels/train/corner_a.txt", "."),
    "voc": ("voc", "corner_a.xml", "."),
    "labelstudio": ("labelstudio", "export.json", "export.json"),
    "cvat": ("cvat", "annotations.xml", "annotations.xml"),
}


def _latin1(text: str) -> bytes:
    return text.replace("Camera on building", "Caméra on building", 1).encode("latin-1")


def _bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


# (case id, format, edit: (old, new) text replacement or a function text -> bytes, file:line, message fragment)
CASES = [
    ("decoders-latin1", "decoders", _latin1, "cameras.csv:3", "not UTF-8"),
    ("decoders-bom", "decoders", _bom, "cameras.csv:1", "byte-order mark"),
    ("decoders-unknown-type", "decoders", (",bullet,", ",fisheye,"), "cameras.csv:5", "unknown type label 'fisheye'"),
    ("decoders-unknown-mount", "decoders", (",dome,street_light/traffic_signal/road_sign,2021-04-24",
                                            ",dome,balcony,2021-04-24"), "cameras.csv:2", "unknown mount"),
    ("decoders-short-row", "decoders", (",Camera on building,31.9,8.75,2.1,2021-04-24T20:46:02.004Z,686",
                                        ",Camera on building"), "cameras.csv:3", "fields, header has 13"),
    ("decoders-bad-pitch", "decoders", ("211.6,15.0,1.9", "211.6,135.0,1.9"), "cameras.csv:5", "Pov.pitch"),
    ("decoders-missing-column", "decoders", ("Pov.heading,Pov.pitch", "heading,pitch"), "cameras.csv:1",
     "missing column"),
    ("stanford-bad-literal", "stanford", ("'bbox': [511, 172, 516, 180]", "'bbox': [511, 172, 516, 180"),
     "meta.csv:3", "not a Python literal"),
    ("stanford-bad-category", "stanford", ("'category_id': 1,", "'category_id': 7,"), "meta.csv:4",
     "category_id 7"),
    ("stanford-box-outside", "stanford", ("[511, 172, 516, 180]", "[700, 172, 716, 180]"), "meta.csv:3",
     "outside the 640x640 image"),
    ("coco-malformed-json", "coco", ('"iscrowd": 0,\n     "attributes": {"mount": "building"', '"iscrowd": 0,,\n'
                                     '     "attributes": {"mount": "building"'), "cameras.json:16", "malformed JSON"),
    ("coco-unknown-category", "coco", ('"name": "bullet"', '"name": "traffic light"'), "cameras.json:16: annotations[1]",
     "unknown type label 'traffic light'"),
    ("coco-negative-size", "coco", ("[300, 80, 8, 10]", "[300, 80, -8, 10]"), "cameras.json:16: annotations[1]",
     "negative size"),
    ("coco-box-outside", "coco", ("[10, 10, 20, 20]", "[900, 10, 20, 20]"), "cameras.json:19: annotations[3]",
     "outside the 800x600 image"),
    ("coco-past-border", "coco", ("[790, 20, 12, 10]", "[790, 20, 40, 10]"), "cameras.json:18: annotations[2]",
     "runs 30 px past"),
    ("yolo-unknown-class", "yolo", ("1 0.25", "7 0.25"), "corner_a.txt:2", "class '7' not in names"),
    ("yolo-short-line", "yolo", ("1 0.25 0.125 0.05 0.05", "1 0.25 0.125"), "corner_a.txt:2", "3 values"),
    ("voc-malformed-xml", "voc", ("</bndbox>\n\t</object>\n\t<object>", "</bndbox>\n\t<object>"),
     "corner_a.xml:", "malformed XML"),
    ("voc-unknown-label", "voc", ("<name>dome</name>", "<name>hydrant</name>"), "corner_a.xml:10",
     "unknown type label 'hydrant'"),
    ("voc-box-outside", "voc", ("<xmin>101</xmin>", "<xmin>-101</xmin>"), "corner_a.xml:15", "runs 101 px past"),
    ("labelstudio-no-size", "labelstudio", ('"original_width": 640, "original_height": 480, "image_rotation": 0,', ''),
     "export.json:10: [0].annotations[0].result[0]", "no original_width"),
    ("labelstudio-unknown-label", "labelstudio", ('"rectanglelabels": ["bullet"]', '"rectanglelabels": ["car"]'),
     "export.json:16: [0].annotations[0].result[2]", "unknown type label 'car'"),
    ("cvat-negative-size", "cvat", ('xtl="300.50"', 'xtl="900.50"'), "annotations.xml:28", "negative size"),
    ("cvat-box-outside", "cvat", ('xtl="1000" ytl="700" xbr="1025"', 'xtl="2000" ytl="700" xbr="2025"'),
     "annotations.xml:35", "outside the 1024x768 image"),
    ("cvat-malformed", "cvat", ("</image>\n  <image id=\"1\"", "<image id=\"1\""), "annotations.xml:", "malformed XML"),
]


def _damaged(tmp_path: Path, fmt: str, edit) -> Path:
    folder, name, src = MAIN[fmt]
    shutil.copytree(FIXTURES / folder, tmp_path / folder)
    path = tmp_path / folder / name
    text = path.read_text(encoding="utf-8")
    if callable(edit):
        path.write_bytes(edit(text))
    else:
        assert edit[0] in text, f"fixture changed: {edit[0]!r} not in {name}"
        path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    return (tmp_path / folder / src).resolve() if src != "." else tmp_path / folder


@pytest.mark.parametrize("case,fmt,edit,location,message", CASES, ids=[c[0] for c in CASES])
def test_strict_names_file_line_and_problem(tmp_path, case, fmt, edit, location, message):
    src = _damaged(tmp_path, fmt, edit)
    with pytest.raises(ValueError) as info:
        import_labels(fmt, src, strict=True)
    text = str(info.value)
    assert "\n" not in text
    assert location in text and message in text, text


@pytest.mark.parametrize("case,fmt,edit,location,message", CASES, ids=[c[0] for c in CASES])
def test_lenient_counts_and_goes_on(tmp_path, case, fmt, edit, location, message):
    src = _damaged(tmp_path, fmt, edit)
    result = import_labels(fmt, src, strict=False)
    assert result.warnings.total >= 1
    assert message in result.warnings.summary()
    assert "warnings (" in result.report()


def test_lenient_clips_box_past_border(tmp_path):
    src = _damaged(tmp_path, "coco", ("[790, 20, 12, 10]", "[790, 20, 40, 10]"))
    tag = next(t for t in import_labels("coco", src).tags if t.tag_id == "12")
    assert tag.box == (790, 20, 800, 30)


def test_voc_missing_size_reads_image(tmp_path):
    from PIL import Image

    (tmp_path / "a.xml").write_text("<annotation><filename>a.jpg</filename><object><name>dome</name><bndbox>"
                                    "<xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>20</ymax></bndbox></object>"
                                    "</annotation>", encoding="utf-8")
    Image.new("RGB", (40, 25)).save(tmp_path / "a.jpg")
    tag = next(t for t in import_labels("voc", tmp_path, strict=True).tags if t.kind == "tag")
    assert (tag.image_width, tag.image_height) == (40, 25)
    (tmp_path / "a.jpg").unlink()
    with pytest.raises(ValueError, match=r"a\.xml:1: no <size> and no image"):
        import_labels("voc", tmp_path, strict=True)


def test_yolo_missing_image_is_a_problem(tmp_path):
    shutil.copytree(FIXTURES / "yolo", tmp_path / "yolo")
    (tmp_path / "yolo" / "images" / "train" / "corner_a.png").unlink()
    with pytest.raises(ValueError, match=r"corner_a\.txt: no image with this name"):
        import_labels("yolo", tmp_path / "yolo", strict=True)
    assert import_labels("yolo", tmp_path / "yolo").n_tags == 0


def test_xml_doctype_refused(tmp_path):
    path = tmp_path / "annotations.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n<annotations>&lol;</annotations>',
                    encoding="utf-8")
    with pytest.raises(ValueError, match="annotations.xml:2: XML with a DOCTYPE"):
        import_labels("cvat", path, strict=True)
    assert import_labels("cvat", path).n_tags == 0
