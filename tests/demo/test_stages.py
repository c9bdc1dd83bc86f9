"""Stage runner: progress read from a stage's own log, shown live or as heartbeat lines on a pipe."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from camdetect.demo.stages import Stage, StageDirs, _run_shown, log_progress, run_stage


@pytest.mark.parametrize("text, fraction, line", [
    ("$ python -m camdetect.cli synth\n", None, ""),
    ("$ cmd\nsynth: rendering panoramas:  40%|####      | 4/10 [00:02<00:03]\r"
     "synth: rendering panoramas:  50%|#####     | 5/10 [00:03<00:03]", 0.5,
     "synth: rendering panoramas:  50%|#####     | 5/10 [00:03<00:03]"),
    ("camdetect train: epoch 2/4, batch 10/40: 31 % of the run, 0.5 min elapsed, ~1.1 min left\n", 0.31,
     "camdetect train: epoch 2/4, batch 10/40: 31 % of the run, 0.5 min elapsed, ~1.1 min left"),
    ("camdetect train: classes: dome, bullet\n", None, "camdetect train: classes: dome, bullet"),
])
def test_log_progress_reads_the_last_line(tmp_path: Path, text: str, fraction, line: str) -> None:
    log = tmp_path / "stage.log"
    log.write_text(text)
    got, last = log_progress(log)
    assert last == line
    assert got == pytest.approx(fraction) if fraction is not None else got is None


def test_log_progress_of_a_missing_log_is_nothing(tmp_path: Path) -> None:
    assert log_progress(tmp_path / "absent.log") == (None, "")


def _synth(tmp_path: Path) -> Stage:
    return Stage("synth", [tmp_path / "city" / "manifest.csv"],
                 ["synth", "--out", str(tmp_path / "city"), "--intersections", "3", "--width", "256"])


def test_run_stage_reports_progress_while_a_real_stage_runs(tmp_path: Path) -> None:
    seen: list[tuple[float | None, str]] = []
    code, log = run_stage(StageDirs(tmp_path), _synth(tmp_path), lambda f, line: seen.append((f, line)),
                          poll_s=0.02)
    assert code == 0 and log.read_text().startswith("$ ")
    assert seen, "the callback never ran while the stage was running"
    assert all(f is None or 0.0 <= f <= 1.0 for f, _ in seen)


def test_heartbeat_lines_on_a_pipe(tmp_path: Path) -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, width=200)
    code, _ = _run_shown(StageDirs(tmp_path), _synth(tmp_path), console, "[ 1/1] synth", last_s=60.0,
                         heartbeat_s=0.0, poll_s=0.02)  # a quiet box runs this synth in under the default 0.5 s poll
    assert code == 0
    beats = [ln for ln in buf.getvalue().splitlines() if "running" in ln]
    assert beats and all(ln.startswith("[ 1/1] synth running") for ln in beats)
    assert all("%" in ln for ln in beats)  # the previous run's 60 s stands in when the log has no percentage
