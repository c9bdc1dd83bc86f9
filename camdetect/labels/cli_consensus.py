"""``camdetect labels consensus | report | score-consensus | simulate``: volunteers -> cameras."""

from __future__ import annotations

from pathlib import Path

import typer

KEEP_HELP = "Keep rule: majority (default), any, all, min:K, frac:F or reliability[:P] (Dawid-Skene posterior >= P)."
LABELS_HELP = "Type and mount by dawid-skene (default) or majority."


def _read_tags(path: Path):
    from camdetect.records import Tag, read_table

    if not path.is_file():
        raise FileNotFoundError(f"{path}: tag table not found")
    tags = read_table(path, Tag)
    for i, t in enumerate(tags, start=2):
        if t.kind not in ("tag", "seen"):
            raise ValueError(f"{path}:{i}: kind {t.kind!r} is not 'tag' or 'seen'")
        if not t.image or not t.annotator:
            raise ValueError(f"{path}:{i}: empty image or annotator")
    return tags


def _read_cameras(path: Path, what: str):
    from camdetect.records import Camera, read_table

    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} camera table not found")
    return read_table(path, Camera)


def _config(keep: str, labels: str, max_angle: float, min_iou: float):
    from camdetect.labels.consensus import ConsensusConfig
    from camdetect.labels.voting import KeepRule

    return ConsensusConfig(max_angle=max_angle, min_iou=min_iou, keep=KeepRule.parse(keep), labels=labels)


def consensus_cmd(
    tags: Path = typer.Argument(..., help="Tag table CSV (camdetect labels import)."),
    out: Path = typer.Option(..., "--out", "-o", help="Camera table CSV to write (records.CAMERA_COLUMNS)."),
    keep: str = typer.Option("majority", "--keep", help=KEEP_HELP),
    labels: str = typer.Option("dawid-skene", "--labels", help=LABELS_HELP),
    max_angle: float = typer.Option(4.0, "--max-angle", help="Degrees: points further apart are different cameras."),
    min_iou: float = typer.Option(0.3, "--min-iou", help="Boxes on one image overlapping less are different cameras."),
    volunteers: Path | None = typer.Option(None, "--volunteers", help="Also write per-volunteer reliability CSV."),
    doubtful: Path | None = typer.Option(None, "--doubtful", help="Also write the candidates the keep rule rejected "
                                         "(camera table; dataset build --ignore greys them out)."),
    model_suggestions: Path | None = typer.Option(None, "--model-suggestions", help="The detector as one more voter: "
                                                  "suggestions.jsonl of camdetect score on the same panoramas; keeps a "
                                                  "volunteer majority, or the model plus one volunteer (replaces --keep)."),
    model_threshold: float = typer.Option(0.25, "--model-threshold", help="Score at which a suggestion is a vote."),
    verified: Path | None = typer.Option(None, "--verified", help="Cameras the review app verified (review export "
                                         "cameras.csv of a `review verify-feed` queue): added where no kept camera "
                                         "is within 6 degrees."),
) -> None:
    """Merge volunteers' tags into one row per physical camera, with agreement and confidence.

    Example: camdetect labels consensus runs/labels/decoders_tags.csv --out runs/labels/cameras.csv
    """
    from collections import Counter

    from camdetect.labels.consensus import Reliability, run_consensus
    from camdetect.records import Camera, write_table

    config = _config(keep, labels, max_angle, min_iou)
    rows = _read_tags(tags)
    if model_suggestions is not None:
        from camdetect.labels.model_voter import ModelVote, consensus_with_model
        from camdetect.records import read_suggestions

        vote = ModelVote(model_threshold=model_threshold)
        result = consensus_with_model(rows, read_suggestions(model_suggestions), config, vote)
        typer.echo(f"model as a voter: {model_suggestions} (threshold {model_threshold:g}; keep: volunteer "
                   "majority, or the model plus one volunteer)")
    else:
        result = run_consensus(rows, config, progress=True)
    cameras = result.cameras
    if verified is not None:
        from camdetect.labels.model_voter import add_verified

        cameras, added = add_verified(cameras, _read_cameras(verified, "verified"), rows)
        typer.echo(f"verified in the review app: {added} cameras added from {verified}")
    n = write_table(out, cameras, Camera)
    levels = Counter(c.agreement for c in cameras)
    typer.echo(f"{sum(t.kind == 'tag' for t in rows)} tags -> {len(result.candidates)} candidates -> {n} cameras "
               f"(keep {config.keep}, labels {config.labels}); agreement: "
               + (", ".join(f"{k} {v}" for k, v in levels.most_common()) or "none"))
    if doubtful is not None:
        from camdetect.labels.consensus import doubtful_cameras

        m = write_table(doubtful, doubtful_cameras(result), Camera)
        typer.echo(f"wrote {m} candidates in doubt to {doubtful}")
    if volunteers is not None:
        write_table(volunteers, result.reliability, Reliability)
        typer.echo(f"wrote {len(result.reliability)} volunteers to {volunteers}")
    typer.echo(f"wrote {n} cameras to {out}")


def report_cmd(
    tags: Path = typer.Argument(..., help="Tag table CSV."),
    out: Path = typer.Option(..., "--out", "-o", help="Report folder."),
    cameras: Path | None = typer.Option(None, "--cameras", help="Consensus camera table to report on "
                                             "(default: computed here)."),
    truth: Path | None = typer.Option(None, "--truth", help="Truth camera table (synthetic city "
                                           "truth/cameras.csv): adds the measured table."),
    keep: str = typer.Option("majority", "--keep", help=KEEP_HELP),
    labels: str = typer.Option("dawid-skene", "--labels", help=LABELS_HELP),
    max_angle: float = typer.Option(4.0, "--max-angle", help="Clustering limit for points, degrees."),
    min_iou: float = typer.Option(0.3, "--min-iou", help="Clustering limit for boxes (IoU)."),
    match_deg: float = typer.Option(3.0, "--match-deg", help="With --truth: a camera within this angle is found."),
) -> None:
    """Write agreement tables, per-volunteer reliability and PNG plots (report.md links them).

    Example: camdetect labels report runs/labels/decoders_tags.csv --cameras runs/labels/cameras.csv --out runs/labels/report
    """
    from camdetect.labels.report import write_report

    rows = _read_tags(tags)
    cams = _read_cameras(cameras, "consensus") if cameras else None
    tru = _read_cameras(truth, "truth") if truth else None
    summary = write_report(rows, out, cameras=cams, truth=tru, config=_config(keep, labels, max_angle, min_iou),
                           match_deg=match_deg)
    typer.echo(f"{summary['tags']} tags, {summary['volunteers']} volunteers, {summary['cameras']} cameras; "
               f"camera agreement {summary['camera_agreement']}")
    if tru is not None:
        typer.echo((out / "measured.md").read_text(encoding="utf-8"))
    typer.echo(f"wrote report to {out / 'report.md'}")


def score_cmd(
    tags: Path = typer.Argument(..., help="Tag table CSV (volunteers on the synthetic city)."),
    truth: Path = typer.Option(..., "--truth", help="Truth camera table (synth DIR/truth/cameras.csv)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the table as .md and .json here (stem)."),
    match_deg: float = typer.Option(3.0, "--match-deg", help="A camera within this angle of a truth camera is found."),
    max_angle: float = typer.Option(4.0, "--max-angle", help="Clustering limit for points, degrees."),
    min_images: int = typer.Option(20, "--min-images", help="Single volunteers need this many images to be ranked."),
) -> None:
    """Measure single volunteers, majority vote, Dawid-Skene and Amnesty's median counts against truth.

    Example: camdetect labels score-consensus city/volunteers/tags.csv --truth city/truth/cameras.csv --out runs/labels/measured
    """
    import json

    from camdetect.labels.consensus import ConsensusConfig
    from camdetect.labels.evaluate_consensus import format_table, measure
    from camdetect.labels.report import clean_json

    rows = measure(_read_tags(tags), _read_cameras(truth, "truth"), match_deg=match_deg,
                   config=ConsensusConfig(max_angle=max_angle), min_images=min_images)
    table = format_table(rows)
    typer.echo(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(clean_json([r.as_dict() for r in rows]), indent=2),
                                            encoding="utf-8")
        typer.echo(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')}")


def simulate_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="Folder: tags.csv, truth/cameras.csv, truth/lookalikes.csv, volunteers.csv."),
    intersections: int = typer.Option(300, "--intersections", "-n", help="Intersections to simulate."),
    volunteers: int = typer.Option(40, "--volunteers", help="Size of the volunteer pool."),
    careless: float = typer.Option(0.3, "--careless", help="Share of careless volunteers (0..1)."),
    per_image: int = typer.Option(3, "--per-image", help="Volunteers per intersection (Decoders: 3)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    """Simulate volunteers tagging known cameras (no pixels): a fast test bed for consensus.

    Example: camdetect labels simulate --out runs/labels/sim --intersections 300 --careless 0.3 --seed 1
    """
    from camdetect.labels.simulate import VolunteerSpec, make_volunteers, random_city, simulate_tags
    from camdetect.records import Camera, Tag, write_table

    if intersections < 1 or volunteers < per_image or per_image < 1 or not 0.0 <= careless <= 1.0:
        raise ValueError("need intersections >= 1, volunteers >= per-image >= 1 and 0 <= careless <= 1")
    truth, looks = random_city(intersections, seed=seed)
    pool = make_volunteers(volunteers, careless_share=careless, seed=seed)
    tags = simulate_tags(truth, pool, images=[f"sim-{k:04d}" for k in range(intersections)], per_image=per_image,
                         seed=seed, lookalikes=looks)
    write_table(out / "truth" / "cameras.csv", truth, Camera)
    write_table(out / "truth" / "lookalikes.csv", looks, Camera)
    write_table(out / "volunteers.csv", pool, VolunteerSpec)
    n = write_table(out / "tags.csv", tags, Tag)
    typer.echo(f"{intersections} intersections, {len(truth)} cameras, {len(looks)} look-alikes, "
               f"{len(pool)} volunteers -> {n} tag rows in {out / 'tags.csv'}")


def register(labels_app: typer.Typer) -> None:
    labels_app.command("consensus")(consensus_cmd)
    labels_app.command("report")(report_cmd)
    labels_app.command("score-consensus")(score_cmd)
    labels_app.command("simulate")(simulate_cmd)
