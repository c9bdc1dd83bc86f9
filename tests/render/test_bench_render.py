"""scripts/bench_render.py (the Mitsuba vs Cycles comparison): its scenes are the ones render_sprite draws, and it
runs and writes its table, JSON and picture with Mitsuba alone (Cycles needs a Python with bpy: not in CI)."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, load_script


@pytest.mark.parametrize("kind, seed", [("dome_flush", 3), ("bullet", 4)])
def test_scene_replays_render_sprites_first_viewpoint(hdri_dir, kind, seed):
    from camdetect.render.sprites import render_sprite

    hdri = str(next(hdri_dir.glob("*.hdr")))
    spec, model, _, _ = load_script("scripts/bench_render.py").scene_spec(kind, seed, hdri, 48, 4)
    sprite = render_sprite(kind, hdri, seed, size=48, spp=4)
    # render_sprite redraws the viewpoint when the first one hides the camera; these seeds keep their first one
    assert (spec["elevation"], spec["azimuth"]) == (sprite.meta.elevation, sprite.meta.azimuth)
    assert len(spec["parts"]) == len(model.parts) and {p["material"] for p in spec["parts"]} <= set(spec["materials"])


def test_mitsuba_only_run_writes_table_json_and_picture(hdri_dir, tmp_path):
    out = tmp_path / "bench"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_render.py"), "--hdri", str(hdri_dir),
                        "--kinds", "dome_flush,alpr_box", "--seeds", "1", "--size", "32", "--spp", "2", "--out",
                        str(out)], check=False, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "bench_render.json").read_text())
    assert [row["id"] for row in summary["rows"]] == ["dome_flush-1", "alpr_box-1"]
    assert all(row["mitsuba_render_s"] > 0 and "cycles_render_s" not in row for row in summary["rows"])
    assert summary["bpy"] is None and (out / "bench_render.png").stat().st_size > 0
    assert "| median |" in r.stdout


def test_a_python_without_bpy_is_refused_in_one_line(hdri_dir, tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_render.py"), "--hdri", str(hdri_dir),
                        "--kinds", "dome_flush", "--seeds", "1", "--size", "32", "--spp", "2", "--out",
                        str(tmp_path / "b"), "--blender-python", sys.executable],
                       check=False, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Cycles side failed" in r.stderr
    assert r.stderr.strip().count("\n") == 0
