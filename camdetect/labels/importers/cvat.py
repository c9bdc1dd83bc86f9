"""CVAT for images 1.1 XML: ``<image name width height>`` with ``<box label xtl ytl xbr ybr>``.

A ``<attribute name="mount">`` child of a box gives the mount. Polygons, points, polylines and
video tracks are not camera boxes here: they are counted and skipped. Every ``<image>`` is a
``seen`` row for the annotator (``--annotator``, else the task's assignee or owner, else "cvat").
"""

from __future__ import annotations

from pathlib import Path

from camdetect.records import Tag

from .common import ImportContext, check_box, parse_xml, short, to_float, to_size, xml_line, xml_text

OTHER_SHAPES = ("polygon", "polyline", "points", "ellipse", "mask", "cuboid", "skeleton", "tag")


def _annotator(root, ctx: ImportContext) -> str:
    if ctx.annotator:
        return ctx.annotator
    for path in ("meta/task/assignee/username", "meta/job/assignee/username", "meta/task/owner/username",
                 "meta/project/owner/username"):
        el = root.find(path)
        if el is not None and (el.text or "").strip():
            return el.text.strip()
    return "cvat"


def read(src: Path, ctx: ImportContext) -> None:
    path = Path(src)
    if path.is_dir():
        raise ValueError(f"{path}: CVAT import needs the annotations.xml file, not a folder")
    root = parse_xml(path, ctx)
    if root is None:
        return
    if root.tag != "annotations":
        ctx.problem("malformed file", path, xml_line(root), f"root element is <{short(root.tag, 30)}>, not <annotations>")
        return
    version = xml_text(root, "version")
    if version and version != "1.1":
        ctx.counts[f"CVAT XML version {version[:10]} (1.1 expected)"] += 1
    annotator = _annotator(root, ctx)
    if root.find("track") is not None:
        ctx.counts["skipped video tracks"] += len(root.findall("track"))
    for img in root.iter("image"):
        line = xml_line(img)
        name = (img.get("name") or "").strip()
        if not name:
            ctx.problem("malformed row", path, line, "<image> without a name")
            continue
        width, height = to_size(img.get("width")), to_size(img.get("height"))
        if not width or not height:
            ctx.problem("missing size", path, line, f"<image> {short(name)} has no valid width/height")
        ctx.seen(name, annotator, image_width=width, image_height=height)
        for shape in OTHER_SHAPES:
            n = len(img.findall(shape))
            if n:
                ctx.counts[f"skipped {shape} shapes"] += n
        for k, box_el in enumerate(img.findall("box")):
            bline = xml_line(box_el)
            raw_type = (box_el.get("label") or "").strip()
            box = check_box(ctx, path, bline, tuple(to_float(box_el.get(a)) for a in ("xtl", "ytl", "xbr", "ybr")),
                            width, height)
            if box is None:
                continue
            attrs = {(a.get("name") or "").strip().lower(): (a.text or "").strip() for a in box_el.findall("attribute")}
            raw_mount = attrs.get("mount", "")
            ctx.add(Tag(source="cvat", image=name, annotator=annotator, tag_id=f"{img.get('id', name)}:{k}",
                        kind="tag", type=ctx.map_type(raw_type, path, bline),
                        mount=ctx.map_mount(raw_mount, path, bline),
                        mount_detail=ctx.taxonomy.mount_detail(attrs.get("mount_detail") or raw_mount),
                        x1=box[0], y1=box[1], x2=box[2], y2=box[3], image_width=width, image_height=height,
                        raw_type=raw_type, raw_mount=raw_mount, score=to_float(attrs.get("score"))))
