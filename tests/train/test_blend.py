"""Weight-space blending (camdetect.train.blend) on the shipped checkpoints: the city model (dome, bullet) and the
default model fine-tuned from it (dome, bullet, alpr), and the wide network as a checkpoint of another width."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from camdetect.train.blend import BlendError, blend
from camdetect.train.config import ROOT

CITY = ROOT / "models" / "camdetect-city.pt"
DEFAULT = ROOT / "models" / "camdetect-default.pt"
WIDE = ROOT / "models" / "camdetect-wide.pt"


def _state(path):
    import torch

    ck = torch.load(str(path), map_location="cpu", weights_only=False)
    net = ck.get("ema") or ck.get("model")
    return ck, {k: v.float() for k, v in net.float().state_dict().items()}


@pytest.fixture(scope="module")
def halfway(tmp_path_factory):
    out = tmp_path_factory.mktemp("blend") / "half.pt"
    return blend(CITY, DEFAULT, 0.5, out), out


def test_halfway_is_the_mean_of_both_and_new_class_rows_come_from_the_fine_tune(halfway):
    report, out = halfway
    _, s = _state(CITY)
    _, t = _state(DEFAULT)
    ck, b = _state(out)
    assert report.names == ["dome", "bullet", "alpr"] and report.partial > 0 and report.blended > 100
    key = "model.0.conv.weight"
    # the checkpoint stores half precision, so compare at fp16 resolution
    np.testing.assert_allclose(b[key].numpy(), ((s[key] + t[key]) / 2).numpy(), rtol=1e-3, atol=2e-3)
    grown = [k for k in t if t[k].shape != s[k].shape]
    assert grown, "the class head grew from 2 to 3 classes"
    for k in grown:
        np.testing.assert_allclose(b[k][:2].numpy(), ((s[k] + t[k][:2]) / 2).numpy(), rtol=1e-3, atol=2e-3)
        np.testing.assert_allclose(b[k][2:].numpy(), t[k][2:].numpy(), rtol=1e-3, atol=2e-3)
    assert ck["optimizer"] is None and ck["camdetect_blend"]["alpha"] == 0.5
    assert list(ck["ema"].names.values()) == ["dome", "bullet", "alpr"]


def test_alpha_one_is_the_fine_tune(tmp_path):
    blend(CITY, DEFAULT, 1.0, tmp_path / "one.pt")
    _, t = _state(DEFAULT)
    _, b = _state(tmp_path / "one.pt")
    assert set(b) == set(t)
    for k in ("model.0.conv.weight", "model.2.cv1.bn.running_var"):
        np.testing.assert_array_equal(b[k].numpy(), t[k].numpy())


def test_a_blend_loads_and_predicts_with_ultralytics(halfway):
    from camdetect.train.detector import import_ultralytics

    YOLO = import_ultralytics(1)
    model = YOLO(str(halfway[1]), task="detect")
    res = model.predict(np.zeros((160, 160, 3), np.uint8), imgsz=160, device="cpu", verbose=False)
    assert len(res) == 1 and list(model.names.values()) == ["dome", "bullet", "alpr"]


@pytest.mark.parametrize("start, tuned, alpha, words", [
    (CITY, WIDE, 0.5, "another width"),
    (DEFAULT, CITY, 0.5, "do not share a prefix"),
    (CITY, DEFAULT, 1.5, "within 0..1"),
    (ROOT / "README.md", DEFAULT, 0.5, "not a torch checkpoint"),
    (ROOT / "nope.pt", DEFAULT, 0.5, "no such checkpoint"),
])
def test_refusals_name_the_problem(tmp_path, start, tuned, alpha, words):
    with pytest.raises(BlendError, match=words):
        blend(start, tuned, alpha, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_cli_refuses_in_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "blend", str(CITY), str(WIDE), "--out",
                        str(tmp_path / "x.pt")], check=False, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "camdetect-wide.pt" in r.stderr and "another width" in r.stderr
