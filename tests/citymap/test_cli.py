from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args, needle", [
    (["plan", "--osm", "{tmp}/none.osm.pbf", "--out", "{tmp}/p.csv"], "none.osm.pbf: OSM extract not found"),
    (["plan", "--osm", "{tmp}/bad.json", "--out", "{tmp}/p.csv"], "bad.json:1: bad JSON"),
    (["fetch", "{tmp}/badplan.csv", "--out", "{tmp}/o"], "badplan.csv:2: lat/lon are not numbers"),
    (["fetch", "{tmp}/plan.csv", "--provider", "bing", "--out", "{tmp}/o"], "--provider must be mapillary or streetview"),
    (["locate", "--out", "{tmp}/c.geojson"], "give either a suggestions file"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, args, needle):
    (tmp_path / "bad.json").write_text("{oops")
    (tmp_path / "badplan.csv").write_text("intersection_id,lat,lon\na,north,2\n")
    (tmp_path / "plan.csv").write_text("intersection_id,lat,lon\na,1,2\n")
    cmd = [sys.executable, "-c", "from camdetect.cli import main; main()", *[a.format(tmp=tmp_path) for a in args]]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "MAPILLARY_ACCESS_TOKEN": "x", "HOME": str(tmp_path)})
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], res.stderr
