"""Pascal VOC XML: one ``<annotation>`` file per image, ``<object><name>`` + ``<bndbox>`` in pixels.

SRC is one .xml file or a folder searched recursively. The image key is the XML's folder relative to
SRC joined with ``<filename>`` (so train/ and valid/ splits stay apart). Sizes come from ``<size>``,
or from the image file beside the XML when ``<size>`` is missing or zero. Boxes past the border are
clipped and counted (Roboflow exports write xmax/ymax = size + 1); every file gives a ``seen`` row.
Optional per-object ``<mount>`` / ``<attributes><attribute><name>mount</name><value>`` is read too.
"""

from __future__ import annotations

from pathlib import Path

from camdetect.records import Tag

from .common import (
    ImportContext,
    check_box,
    find_image,
    image_size,
    parse_xml,
    progress,
    short,
    to_float,
    to_size,
    xml_line,
    xml_text,
)


def _files(src: Path) -> tuple[Path, list[Path]]:
    if src.is_dir():
        return src, sorted(p for p in src.rglob("*") if p.suffix.lower() == ".xml" and p.is_file())
    return src.parent, [src]


def _mount(obj) -> str:
    direct = xml_text(obj, "mount")
    if direct:
        return direct
    for attr in obj.iter("attribute"):
        if xml_text(attr, "name").lower() == "mount":
            return xml_text(attr, "value")
    return ""


def read(src: Path, ctx: ImportContext) -> None:
    root_dir, files = _files(Path(src))
    if not files:
        ctx.problem("missing file", src, None, "no .xml files found")
        return
    annotator = ctx.default_annotator
    for path in progress(files, "voc"):
        root = parse_xml(path, ctx)
        if root is None:
            continue
        if root.tag != "annotation":
            ctx.problem("malformed file", path, xml_line(root), f"root element is <{short(root.tag, 30)}>, "
                        "not <annotation>")
            continue
        filename = xml_text(root, "filename") or path.with_suffix(".jpg").name
        rel = path.parent.relative_to(root_dir)
        image = (rel / Path(filename).name).as_posix()
        size = root.find("size")
        width, height = to_size(xml_text(size, "width")), to_size(xml_text(size, "height"))
        if not width or not height:
            found = find_image(path.parent, Path(filename).stem)
            if found is None:
                ctx.problem("missing size", path, xml_line(size) if size is not None else xml_line(root),
                            "no <size> and no image beside the XML; boxes cannot be checked")
            else:
                try:
                    width, height = image_size(found)
                except ValueError as exc:
                    ctx.problem("bad image", found, None, str(exc).split(": ", 1)[-1])
        ctx.seen(image, annotator, image_width=width, image_height=height)
        for k, obj in enumerate(root.iter("object")):
            line = xml_line(obj)
            name = xml_text(obj, "name")
            bnd = obj.find("bndbox")
            if bnd is None:
                ctx.problem("bad box", path, line, f"<object> {short(name)} has no <bndbox>")
                continue
            raw_box = tuple(to_float(xml_text(bnd, k2)) for k2 in ("xmin", "ymin", "xmax", "ymax"))
            box = check_box(ctx, path, xml_line(bnd), raw_box, width, height)
            if box is None:
                continue
            raw_mount = _mount(obj)
            ctx.add(Tag(source="voc", image=image, annotator=annotator, tag_id=f"{image}:{k}", kind="tag",
                        type=ctx.map_type(name, path, line),
                        mount=ctx.map_mount(raw_mount, path, line),
                        mount_detail=ctx.taxonomy.mount_detail(raw_mount),
                        x1=box[0], y1=box[1], x2=box[2], y2=box[3], image_width=width, image_height=height,
                        raw_type=name, raw_mount=raw_mount))
