"""The int8 decision rule and the scorer's model choice: int8 only where its own benchmark says so."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from camdetect.export.int8_choice import (
    MAX_AP50_DROP,
    MIN_SPEEDUP,
    UNMEASURED,
    choose_model,
    decide,
    read_verdict,
)


@pytest.mark.parametrize("speedup,ap50,default,reason", [
    (1.35, {"real": (0.40, 0.395), "synthetic": (0.30, 0.30)}, True, "faster"),
    (MIN_SPEEDUP, {"real": (0.40, 0.40 - MAX_AP50_DROP)}, True, "faster"),  # both limits are inclusive
    (1.29, {"real": (0.40, 0.40), "synthetic": (0.30, 0.31)}, False, "speedup 1.29x < 1.3x"),
    (1.6, {"real": (0.40, 0.38), "synthetic": (0.30, 0.30)}, False, "real: AP50 0.400 -> 0.380 (-2.0 points > 1)"),
    (1.6, {"real": (0.40, 0.40), "synthetic": (0.30, 0.25)}, False, "synthetic: AP50"),
    (1.6, {"real": (0.40, None)}, False, "real: AP50 not measured"),
    (1.6, {}, False, "AP50 not measured"),
    (None, {"real": (0.4, 0.4)}, False, "speed not measured"),
    (1.0, {"real": (0.4, 0.2)}, False, "speedup 1.00x < 1.3x; real: AP50"),  # every reason is said
])
def test_decide(speedup, ap50, default, reason):
    v = decide(speedup, ap50)
    assert v["default"] is default and v["precision"] == ("int8" if default else "fp32")
    assert reason in v["reason"] and v["rule"].startswith("int8 default only when >= 1.3x")
    assert set(v["ap50_drop"]) == {k for k, (a, b) in ap50.items() if a is not None and b is not None}


def test_an_improvement_is_no_loss():
    assert decide(1.4, {"real": (0.30, 0.35)})["ap50_drop"] == {"real": -0.05}


@pytest.fixture()
def pair(tiny_onnx, tmp_path):
    """fp32 model + an int8 sibling (the fp32 file copied, stamped like quantize_model stamps: cheap)."""
    from camdetect.export.onnx_export import stamp_props

    fp32 = tmp_path / "m.onnx"
    shutil.copyfile(tiny_onnx, fp32)
    q = tmp_path / "m-int8.onnx"
    shutil.copyfile(tiny_onnx, q)
    stamp_props(q, {"camdetect.int8_verdict": json.dumps(UNMEASURED)})
    return fp32, q


def test_choice_follows_the_stamped_verdict(pair):
    from camdetect.export.quantize import stamp_verdict

    fp32, q = pair
    assert choose_model(fp32, "auto")[0] == fp32  # not benchmarked: fp32
    assert "not benchmarked" in choose_model(fp32, "auto")[1]
    stamp_verdict(q, decide(1.2, {"real": (0.4, 0.4)}))
    path, why = choose_model(fp32, "auto")
    assert path == fp32 and "speedup 1.20x < 1.3x" in why
    stamp_verdict(q, decide(1.5, {"real": (0.4, 0.4), "synthetic": (0.3, 0.3)}), bench={"x": 1})
    assert choose_model(fp32, "auto")[0] == q
    assert read_verdict(q)["default"] is True
    doc = json.loads(q.with_suffix(".quant.json").read_text())
    assert doc["verdict"]["default"] is True and doc["bench"] == {"x": 1}
    assert choose_model(fp32, "fp32")[0] == fp32  # asked for: always honoured
    assert choose_model(q, "auto")[0] == q


def test_choice_without_sibling_and_bad_precision(tiny_onnx, tmp_path):
    fp32 = tmp_path / "solo.onnx"
    shutil.copyfile(tiny_onnx, fp32)
    assert choose_model(fp32)[0] == fp32
    with pytest.raises(FileNotFoundError, match="solo-int8.onnx"):
        choose_model(fp32, "int8")
    with pytest.raises(ValueError, match="--precision must be one of"):
        choose_model(fp32, "fp16")


def test_model_without_stamp_reads_as_unmeasured(tiny_onnx):
    assert read_verdict(tiny_onnx) == UNMEASURED


def test_score_command_uses_int8_only_when_its_verdict_says_so(pair, tmp_path):
    from typer.testing import CliRunner

    from camdetect.cli import app
    from camdetect.export.parity import synthetic_views
    from camdetect.export.quantize import stamp_verdict

    fp32, q = pair
    views = tmp_path / "views"
    views.mkdir()
    for i, v in enumerate(synthetic_views(2, 320, seed=5)):
        Image.fromarray(v[..., ::-1]).save(views / f"v{i}.jpg")
    stamp_verdict(q, decide(1.5, {"real": (0.4, 0.4)}))

    def args(db, *more):
        return ["score", str(views), "--model", str(fp32), "--db", str(tmp_path / db), "--threads", "1",
                "--no-progress", "--conf", "0.9", *more]

    res = CliRunner().invoke(app, args("r.db"))
    assert res.exit_code == 0, res.output
    assert "model: m-int8.onnx: int8 by its benchmark verdict" in res.output
    res = CliRunner().invoke(app, args("r2.db", "--precision", "fp32"))
    assert res.exit_code == 0, res.output
    assert "model: m.onnx: as given" in res.output
