"""``camdetect synth``: build the synthetic city used by the demo and the tests."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out: Path = typer.Option(..., "--out", help="Output folder (panoramas/, manifest.csv, truth/, volunteers/)."),
        intersections: int = typer.Option(20, "--intersections", "-n", help="Number of intersections (panoramas)."),
        seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same bytes."),
        width: int = typer.Option(4096, "--width", help="Panorama width in pixels (height = width / 2)."),
        volunteers_per_pano: int = typer.Option(3, "--volunteers-per-pano", help="Simulated volunteers per panorama."),
        workers: int = typer.Option(1, "--workers", help="Processes for rendering."),
        resume: bool = typer.Option(True, "--resume/--no-resume", help="Skip panoramas already on disk."),
        amnesty_strict_type: bool = typer.Option(False, "--amnesty-strict-type",
                                                 help="Leave Type empty on building tags, as Amnesty's form did."),
    ) -> None:
        """Draw a synthetic city: equirectangular street panoramas with cameras and look-alikes, their
        ground truth, a scoring manifest and simulated volunteers in Amnesty's Decoders CSV format.

        Example: camdetect synth --out runs/city --intersections 20 --seed 1 --width 2048
        """
        from camdetect.synth.city import generate_city

        summary = generate_city(out, intersections, seed=seed, width=width, volunteers_per_pano=volunteers_per_pano,
                                workers=workers, resume=resume, type_for_building=not amnesty_strict_type)
        typer.echo(summary.line())
