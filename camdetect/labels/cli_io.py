"""``camdetect labels import`` and ``camdetect labels export``: real label formats <-> the tag table."""

from __future__ import annotations

from pathlib import Path

import typer

IMPORT_FORMATS = ("decoders", "stanford", "coco", "yolo", "voc", "labelstudio", "cvat")
EXPORT_FORMATS = ("coco", "yolo", "labelstudio")


def _check(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return value


def import_cmd(
    src: Path = typer.Argument(..., help="Label file or folder (Decoders: folder with cameras.csv + counts.csv)."),
    fmt: str = typer.Option(..., "--format", "-f", help=f"One of: {', '.join(IMPORT_FORMATS)}."),
    out: Path = typer.Option(..., "--out", "-o", help="Tag table CSV to write (records.TAG_COLUMNS)."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad row, label, box or encoding."),
    annotator: str = typer.Option("", "--annotator", help="Annotator id for formats that carry none "
                                  "(default: the format name)."),
    taxonomy: Path | None = typer.Option(None, "--taxonomy", help="Taxonomy YAML (default: the packaged one)."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Write an empty tag table (exit 0) even when "
                                     "every input file or row was malformed."),
) -> None:
    """Import volunteer or third-party labels into one tag table (tags + who-saw-what rows).

    Lenient mode counts problems and prints them in the report; --strict turns the first one into
    a one-line error naming file, line and problem. When nothing could be read at all (every file or
    row malformed, 0 rows) the import fails (exit 2, no table written) unless --allow-empty.

    Example: camdetect labels import --format stanford ../shared/data/stanford-surveilling-surveillance --out runs/labels/stanford_tags.csv
    """
    from camdetect.labels.importers import import_labels
    from camdetect.records import Tag, write_table
    from camdetect.taxonomy import load_taxonomy

    _check(fmt, IMPORT_FORMATS, "--format")
    result = import_labels(fmt, src, strict=strict, annotator=annotator,
                           taxonomy=load_taxonomy(str(taxonomy) if taxonomy else None))
    if not result.tags and result.warnings.total and not allow_empty:
        typer.echo(result.report())
        kind, count = result.warnings.counts.most_common(1)[0]
        raise ValueError(f"{src}: every input file or row was malformed, 0 rows to write ({result.warnings.total} "
                         f"problems, e.g. {result.warnings.examples[kind]}); nothing written to {out} "
                         "(--allow-empty writes an empty table)")
    n = write_table(out, result.tags, Tag)
    typer.echo(result.report())
    typer.echo(f"wrote {n} rows to {out}")


def export_cmd(
    tags: Path = typer.Argument(..., help="Tag table CSV (from `camdetect labels import` or the dataset stage)."),
    fmt: str = typer.Option(..., "--format", "-f", help=f"One of: {', '.join(EXPORT_FORMATS)}."),
    out: Path = typer.Option(..., "--out", "-o", help="COCO/Label Studio: .json file; YOLO: a folder."),
    images: Path | None = typer.Option(None, "--images", help="Folder of the images (keys are relative "
                                          "to it): sizes for rows without one; YOLO copies the pixels."),
    model_version: str = typer.Option("", "--model-version", help="Label Studio: one model_version for all "
                                      "predictions (default: one prediction per annotator)."),
    url_prefix: str = typer.Option("/data/local-files/?d=", "--url-prefix",
                                   help="Label Studio: prefix turning an image key into data.image."),
    taxonomy: Path | None = typer.Option(None, "--taxonomy", help="Taxonomy YAML (default: the packaged one)."),
) -> None:
    """Export the box tags of a tag table as COCO JSON, a YOLO folder or Label Studio pre-annotations.

    Point tags (Decoders) have no box and are counted, not exported.

    Example: camdetect labels export --format labelstudio runs/labels/stanford_tags.csv --out runs/labels/ls_tasks.json
    """
    from camdetect.labels.exporters import export_labels
    from camdetect.records import Tag, read_table
    from camdetect.taxonomy import load_taxonomy

    _check(fmt, EXPORT_FORMATS, "--format")
    if not tags.is_file():
        raise FileNotFoundError(f"{tags}: tag table not found")
    rows = read_table(tags, Tag)
    result = export_labels(fmt, rows, out, images=images, model_version=model_version, url_prefix=url_prefix,
                           taxonomy=load_taxonomy(str(taxonomy) if taxonomy else None))
    typer.echo(result.report())


def register(labels_app: typer.Typer) -> None:
    labels_app.command("import")(import_cmd)
    labels_app.command("export")(export_cmd)
