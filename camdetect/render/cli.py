"""``camdetect render sprites``, ``camdetect render drawn`` and ``camdetect render composite``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

DEFAULT_HDRI = Path("../shared/data/hdri-outdoor")


def register(app: typer.Typer) -> None:
    rd = typer.Typer(help="Physically based camera sprites (Mitsuba 3) and composites on real backgrounds.",
                     no_args_is_help=True)

    @rd.command("sprites")
    def sprites(
        out: Path = typer.Option(..., "--out", help="Sprite folder (ID.png + ID.json); re-running resumes."),
        count: int = typer.Option(600, "--count", "-n", help="Sprites to render (cameras and look-alikes)."),
        hdri: Path = typer.Option(DEFAULT_HDRI, "--hdri", help="Folder of outdoor HDR maps (.hdr/.exr) for lighting."),
        seed: int = typer.Option(0, "--seed", help="Seed; sprite i depends only on (seed, i)."),
        size: int = typer.Option(160, "--size", help="Sprite frame in px (a share is rendered at twice this)."),
        large_share: float = typer.Option(0.2, "--large-share", help="Share rendered at twice --size."),
        spp: int = typer.Option(32, "--spp", help="Samples per pixel of the beauty pass."),
        decoy_share: float = typer.Option(0.35, "--decoy-share", help="Share of look-alikes (lamps, signals, ...)."),
        kinds: str | None = typer.Option(None, "--kinds", help="Comma-separated kinds only (see camdetect.render.kinds)."),
        workers: int = typer.Option(1, "--workers", help="Processes."),
        weathering: float = typer.Option(0.0, "--weathering", help="Share of sprites with dirt textures on "
                                         "painted and plastic parts (0: none)."),
        rounding: float = typer.Option(0.0, "--rounding", help="Share of sprites whose boxes (housings, lamp "
                                       "heads, cabinets; not thin plates) get rounded edges (0: none)."),
        light_photos: list[str] = typer.Option([], "--light-photos", help="Light each sprite by a map built from one "
                                               "of these background photos (folder or file; repeatable) instead of "
                                               "--hdri; its sidecar names the photo for `composite --match-light`."),
        light_exclude: list[str] = typer.Option([], "--light-exclude", help="Skip photos whose path contains this "
                                                "(e.g. the held-out street folders); repeatable."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
    ) -> None:
        """Render RGBA sprites of parametric 3D cameras and look-alikes with exact camera boxes.

        Example: camdetect render sprites --out runs/sprites --count 600 --workers 2
        """
        from camdetect.render.library import LibraryOptions, render_library

        if count < 1 or size < 16 or spp < 1 or not 0 <= weathering <= 1 or not 0 <= rounding <= 1:
            raise ValueError("--count, --size (>= 16) and --spp must be positive, --weathering and --rounding in [0, 1]")
        opts = LibraryOptions(count, seed, size, large_share, spp, decoy_share,
                              tuple(k.strip() for k in kinds.split(",")) if kinds else (), workers, weathering,
                              rounding, tuple(light_photos), tuple(light_exclude))
        counts = render_library(out, hdri, opts, progress=progress)
        typer.echo(f"{out}: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))

    @rd.command("drawn")
    def drawn(
        out: Path = typer.Option(..., "--out", help="Sprite folder (ID.png + ID.json); re-running resumes."),
        count: int = typer.Option(600, "--count", "-n", help="Sprites to draw (cameras and look-alikes)."),
        seed: int = typer.Option(0, "--seed", help="Seed; sprite i depends only on (seed, i)."),
        size: int = typer.Option(160, "--size", help="Sprite frame in px (a share is drawn at twice this)."),
        large_share: float = typer.Option(0.2, "--large-share", help="Share drawn at twice --size."),
        decoy_share: float = typer.Option(0.35, "--decoy-share", help="Share of the city's look-alikes."),
        workers: int = typer.Option(1, "--workers", help="Processes."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
    ) -> None:
        """Draw the synthetic city's 2-D cameras and look-alikes as a sprite library (same format as
        `render sprites`, for the "PBR vs drawn" ablation through `render composite`).

        Example: camdetect render drawn --out runs/sprites/drawn --count 1337 --seed 1
        """
        from camdetect.render.drawn import DrawnOptions, draw_library

        if count < 1 or size < 16 or not 0 <= large_share <= 1 or not 0 <= decoy_share < 1 or workers < 1:
            raise ValueError("--count and --workers must be positive, --size >= 16, "
                             "--large-share in [0, 1], --decoy-share in [0, 1)")
        counts = draw_library(out, DrawnOptions(count, seed, size, large_share, decoy_share, workers), progress=progress)
        typer.echo(f"{out}: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))

    @rd.command("composite")
    def composite(
        out: Path = typer.Option(..., "--out", help="Dataset folder to write (ultralytics layout); re-running resumes."),
        sprites_dir: list[Path] = typer.Option(..., "--sprites", help="Sprite folder from `camdetect render sprites`; "
                                               "repeatable (the folders are one library)."),
        backgrounds: list[str] = typer.Option(..., "--backgrounds", help="FOLDER or FOLDER=WEIGHT (recursive; each "
                                               "folder is drawn by its weight); repeatable."),
        exclude: list[str] = typer.Option([], "--exclude", help="Skip backgrounds whose path contains this; repeatable."),
        include: list[Path] = typer.Option([], "--include", help="Add an existing ultralytics dataset as it is; repeatable."),
        tiles: int = typer.Option(2000, "--tiles", help="Composite tiles to make."),
        tile: int = typer.Option(320, "--tile", help="Tile size in px."),
        val: float = typer.Option(0.15, "--val", help="Share of backgrounds whose tiles go to val."),
        seed: int = typer.Option(0, "--seed", help="Seed; tile i depends only on (seed, i)."),
        small_share: float = typer.Option(0.5, "--small-share", help="Share of cameras of 4-24 px (rest 24-220 px)."),
        no_harmonise: bool = typer.Option(False, "--no-harmonise", help="Plain paste (ablation)."),
        no_decoys: bool = typer.Option(False, "--no-decoys", help="No look-alikes (ablation)."),
        occlusion: float = typer.Option(0.25, "--occlusion", help="Chance of a wire or texture blob over a paste."),
        max_upscale: float = typer.Option(0.0, "--max-upscale", help="Paste only sprites rendered at least size / "
                                          "this (e.g. 1.25: close-ups come from large renders, never blown-up small "
                                          "ones); 0 = any sprite at any size."),
        lookalike_size: str = typer.Option("frame", "--lookalike-size", help="frame: a look-alike's frame 2-4x a "
                                           "camera's size (the v2-v5 draw); true: true to size in metres next to "
                                           "the cameras (needs sprites rendered with frame_m)."),
        hard_negatives: Path | None = typer.Option(None, "--hard-negatives", help="CSV of mined false alarms "
                                                   "(camdetect render mine-negatives) to crop around."),
        hard_share: float = typer.Option(0.3, "--hard-share", help="Share of tiles cropped around a hard negative "
                                         "(with --hard-negatives)."),
        continue_mounts: bool = typer.Option(False, "--continue-mounts", help="Carry poles and mast arms that the "
                                             "sprite's frame cuts on to the tile's edge instead of fading them out."),
        native_share: float = typer.Option(0.0, "--native-share", help="Share of background crops taken at the "
                                           "scorer's scale (one tile of photo pixels, not shrunk); the rest shrink "
                                           "a crop of tile .. short side."),
        match_light: float = typer.Option(0.0, "--match-light", help="Share of pastes that take a sprite lit by the "
                                          "tile's own background photo (sprites from `render sprites "
                                          "--light-photos`), where the library has one."),
        camera_pipeline: float = typer.Option(0.0, "--camera-pipeline", help="Share of tiles passed through a "
                                              "simulated street camera after pasting (Bayer noise, demosaicing, "
                                              "unsharp mask)."),
        workers: int = typer.Option(1, "--workers", help="Processes."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
    ) -> None:
        """Paste rendered cameras and look-alikes onto real backgrounds, harmonised, into a dataset with a card.

        Example: camdetect render composite --sprites runs/sprites --backgrounds ../shared/data/street-backgrounds --out runs/ds/composite
        """
        from camdetect.render.composite import CompositeOptions, build_composites, list_backgrounds
        from camdetect.taxonomy import load_taxonomy

        if tiles < 1 or tile < 32 or not 0 <= val < 1 or not (max_upscale == 0 or max_upscale >= 1):
            raise ValueError("--tiles must be positive, --tile >= 32, --val in [0, 1), --max-upscale 0 or >= 1")
        opts = CompositeOptions(tiles=tiles, tile=tile, val_share=val, seed=seed, small_share=small_share,
                                occlusion=occlusion, harmonise=not no_harmonise, decoys=not no_decoys,
                                max_upscale=max_upscale, lookalike_size=lookalike_size,
                                hard_negatives=str(hard_negatives) if hard_negatives else "",
                                hard_share=hard_share if hard_negatives else 0.0, continue_mounts=continue_mounts,
                                native_share=native_share, match_light=match_light,
                                camera_pipeline=camera_pipeline, workers=workers)
        bgs = list_backgrounds(backgrounds, exclude)
        names = list(load_taxonomy().detector_classes)
        command = "camdetect " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        s = build_composites(out, bgs, sprites_dir, opts, names, include, command, progress=progress)
        typer.echo(f"{out}: tiles {s['tiles']}, boxes {s['boxes']}, camera size p10/50/90 {s['size_p10_p50_p90']} px; "
                   f"card {out / 'card.md'}")

    @rd.command("mine-negatives")
    def mine_negatives(
        model: list[Path] = typer.Option(..., "--model", help="ONNX detector whose false alarms to mine; repeatable "
                                         "(boxes of several models on one spot are one negative)."),
        backgrounds: list[str] = typer.Option(..., "--backgrounds", help="Background folders, as for render "
                                              "composite (FOLDER or FOLDER=WEIGHT); repeatable."),
        exclude: list[str] = typer.Option([], "--exclude", help="Skip backgrounds whose path contains this, as for "
                                          "render composite (the held-out folders); repeatable."),
        out: Path = typer.Option(..., "--out", help="CSV of hard negatives to write; contact sheets of every box beside it (STEM-p01.png, ...)."),
        conf: float = typer.Option(0.1, "--conf", help="Lowest score mined."),
        street_truth: Path = typer.Option(Path("configs/eval/street_cameras.json"), "--street-truth",
                                          help="Known real cameras on the street photos: never mined."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
    ) -> None:
        """Mine a model's false alarms on the training backgrounds, for `render composite --hard-negatives`.

        Example: camdetect render mine-negatives --model runs/export/v4/camdetect-v4.onnx --backgrounds ../shared/data/street-backgrounds --exclude opensfm/ --exclude geovisio_pypi/ --out runs/hardneg/v4.csv
        """
        from camdetect.evaluate.real_images import load_street_truth
        from camdetect.render.composite import list_backgrounds
        from camdetect.render.hard_negatives import mine, negatives_sheets, write_negatives

        if not 0 < conf <= 1:
            raise ValueError(f"--conf must be in (0, 1], got {conf}")
        for m in model:
            if not m.is_file():
                raise FileNotFoundError(f"{m}: model not found")
        bgs = list_backgrounds(backgrounds, exclude)
        root_of = {f: b.root for b in bgs for f in b.files}
        files = list(root_of)
        truth = load_street_truth(street_truth if street_truth.is_file() else None)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(files) * len(model), desc="mine", unit="image")
        negs = mine(model, files, conf, truth, lambda p: f"{root_of[p].name}/{p.relative_to(root_of[p]).as_posix()}",
                    progress=bar.update if bar else None)
        if bar:
            bar.close()
        n = write_negatives(out, negs)
        pages = negatives_sheets(negs, out)
        typer.echo(f"{out}: {n} hard negatives on {len({x.path for x in negs})} of {len(files)} backgrounds "
                   f"(score >= {conf:g}); look at every one before training on them: "
                   + (f"{pages[0]} .. {pages[-1].name} ({len(pages)} sheets, captioned with CSV lines)" if pages else "no sheet"))

    app.add_typer(rd, name="render")
