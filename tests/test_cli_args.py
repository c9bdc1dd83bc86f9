import argparse
from pathlib import Path

import pytest

from camdetect.cli_args import named_path


def test_named_path_splits_at_the_first_equals_sign():
    assert named_path("v2=runs/eval/a=b") == ("v2", Path("runs/eval/a=b"))


@pytest.mark.parametrize("text", ["runs/eval/v2", "=runs/eval/v2", "v2="])
def test_named_path_without_a_name_or_a_path_is_a_usage_error(text, capsys):
    ap = argparse.ArgumentParser(prog="probe")
    ap.add_argument("--model", type=named_path)
    with pytest.raises(SystemExit) as exc:
        ap.parse_args(["--model", text])
    assert exc.value.code == 2
    assert f"argument --model: {text!r}: expected NAME=PATH" in capsys.readouterr().err.strip().splitlines()[-1]
