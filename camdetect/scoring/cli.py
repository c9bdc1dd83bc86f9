"""``camdetect score``: batch-score views, panoramas or a manifest into the review store (ORT only)."""

from __future__ import annotations

from pathlib import Path

import typer

from camdetect.scoring.nms import DEFAULT_NMS, parse_nms


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score_cmd(
        input: Path = typer.Argument(..., help="Folder of views, folder of panoramas, or manifest (.csv/.jsonl)."),
        model: Path = typer.Option(..., "--model", help="Exported detector .onnx (camdetect export)."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        media: Path | None = typer.Option(None, "--media", help="Write the view JPEGs suggestions live on here."),
        out: Path | None = typer.Option(None, "--out", help="Folder for suggestions.jsonl/.geojson + summary.json."),
        engine: str = typer.Option("local", "--engine", help="local | ray"),
        ray_address: str | None = typer.Option(None, "--ray-address",
                                               help="Ray cluster HOST:PORT (ray engine); inputs and --media "
                                                    "must be on storage every node sees."),
        batch: int = typer.Option(8, "--batch", min=1, help="Images per ORT batch."),
        threads: int | None = typer.Option(None, "--threads", min=1, help="ORT intra-op threads (default: cores)."),
        streams: int = typer.Option(0, "--streams", min=0,
                                    help="Batches inferred at once, each on threads/streams threads (local engine): "
                                         "0 = auto (2 from 2 threads up: 1.1-1.4x faster than one stream on 2 "
                                         "cores; docs/scoring.md, Streams)."),
        tile: int = typer.Option(-1, "--tile", help="Tile side in px for large views: -1 auto, 0 off."),
        conf: float | None = typer.Option(None, "--conf", help="Score threshold (default: from the model)."),
        kind: str = typer.Option("auto", "--kind", help="Folder input: auto | view | panorama."),
        plan: Path | None = typer.Option(None, "--plan", help="View plan YAML for panoramas."),
        actors: int = typer.Option(2, "--actors", min=1, help="Ray engine: ORT actors."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Score at most N inputs."),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
        spot_share: float = typer.Option(0.05, "--spot-share", min=0.0, max=1.0,
                                         help="Share of views without suggestions written to --media as "
                                              "spot-check views (match `review serve --spot-share`)."),
        skip_tiles: str = typer.Option("geometry+texture", "--skip-tiles",
                                       help="Tiles not sent to the detector: none | geometry (road far below / "
                                            "sky far above the horizon, views with pitch+fov) | geometry+texture "
                                            "(also near-uniform tiles); thresholds as MODE:key=value,... "
                                            "(docs/scoring.md). The whole-view pass always runs."),
        layout: str = typer.Option("auto", "--layout",
                                   help="Network inputs per view: auto (views of panoramas whole at 640 px, "
                                        "photos and views tiled) | tiles (tiles of the model's training tile, "
                                        "overlap 0.2, + the whole view) | tiles:overlap=0 (2 x 2 on 640 px "
                                        "views) | tiles:top_rows=N | tiles:whole=0 | whole[:size=640] "
                                        "(docs/scoring.md, Tile layout)."),
        verifier: Path | None = typer.Option(None, "--verifier",
                                             help="Second-look crop classifier (camdetect verifier train): rescores "
                                                  "every candidate; the pair is its own model in the store."),
        runtime: str = typer.Option("auto", "--runtime",
                                    help="Library that runs the ONNX models: auto (OpenVINO where installed; "
                                         "ONNX Runtime for int8 models) | onnxruntime | openvino | "
                                         "openvino:precision=bf16 (same file, same outputs to float rounding; "
                                         "docs/scoring.md, Runtime)."),
        precision: str = typer.Option("auto", "--precision",
                                      help="auto | fp32 | int8. auto: MODEL-int8.onnx beside --model only when its "
                                           "benchmark verdict (scripts/bench_int8.py) made it the default."),
        nms: str = typer.Option(DEFAULT_NMS, "--nms",
                                help="agnostic: one suggestion per object, its better class (18-25 % fewer "
                                     "suggestions at the same mAP) | class: a dome and a bullet box on one object "
                                     "both kept, as ultralytics (docs/scoring.md, One suggestion per object)."),
    ) -> None:
        """Score new images with an ONNX detector; resumable, idempotent, no torch.

        Example: camdetect score runs/city/manifest.csv --model models/demo.onnx --db runs/review.db --media runs/media --out runs/score
        """
        import json

        from camdetect.scoring.pipeline import ScoreConfig

        if engine not in ("local", "ray"):
            raise ValueError(f"--engine must be local or ray, got {engine!r}")
        if conf is not None and not 0.0 <= conf <= 1.0:
            raise ValueError(f"--conf must be in [0, 1], got {conf}")
        if not model.is_file():
            raise FileNotFoundError(f"{model}: model not found")
        from camdetect.export.int8_choice import choose_model
        from camdetect.scoring.tile_policy import TilePolicy

        model, why = choose_model(model, precision)  # int8 only where its own benchmark says so

        from camdetect.scoring.tiling import KindLayouts

        policy = TilePolicy.parse(skip_tiles)  # a bad mode or key: one line naming --skip-tiles
        tile_layout = KindLayouts.parse(layout)  # same for --layout
        from camdetect.scoring.runtime import Runtime

        engine_runtime = Runtime.parse(runtime)  # same for --runtime
        parse_nms(nms)  # same for --nms
        cfg = ScoreConfig(model=model, input=input, db=db, out=out, media=media, batch=batch, threads=threads,
                          tile=tile, conf=conf, kind=kind, plan=plan, limit=limit, progress=progress,
                          spot_share=spot_share, skip_tiles=policy, layout=tile_layout, verifier=verifier,
                          runtime=engine_runtime, streams=streams, nms=nms)
        if engine == "ray":
            from camdetect.scoring.ray_engine import RayScoringError, score_ray

            try:
                summary = score_ray(cfg, address=ray_address, actors=actors)
            except RayScoringError as exc:  # cluster trouble, not bad input: one line, exit 1; re-run resumes
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(1) from exc
        else:
            from camdetect.scoring.pipeline import score

            summary = score(cfg)
        typer.echo(f"model: {why}", err=True)
        typer.echo(json.dumps(summary.to_json()))
