"""--runtime: OpenVINO runs the same ONNX file as ONNX Runtime with the same outputs (real libraries, real model)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from camdetect.export.parity import synthetic_views
from camdetect.scoring import runtime as rt
from camdetect.scoring.detector import OnnxDetector
from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.pipeline import ScoreConfig, score
from camdetect.scoring.runtime import Runtime, Session

PY = sys.executable


@pytest.mark.parametrize("spec,mode,precision", [(None, "onnxruntime", "f32"), ("onnxruntime", "onnxruntime", "f32"),
                                                 ("openvino", "openvino", "f32"),
                                                 ("openvino:precision=bf16", "openvino", "bf16")])
def test_spec_parses_and_its_label_rebuilds_it(spec, mode, precision):
    got = Runtime.parse(spec)
    assert (got.mode, got.precision) == (mode, precision)
    assert Runtime.parse(got.label) == got
    assert got.to_json()["spec"] == got.label


@pytest.mark.parametrize("spec,message", [("tensorrt", "expected one of onnxruntime, openvino"),
                                          ("openvino:precision=fp8", "precision must be one of f32, bf16"),
                                          ("onnxruntime:precision=bf16", "precision= is OpenVINO's"),
                                          ("auto:precision=bf16", "precision= is OpenVINO's"),
                                          ("openvino:threads=2", "with keys precision")])
def test_bad_spec_is_one_line_naming_the_option(spec, message):
    with pytest.raises(ValueError, match=message) as err:
        Runtime.parse(spec)
    assert str(err.value).startswith("--runtime") and "\n" not in str(err.value)


def test_auto_is_openvino_where_installed_and_onnxruntime_for_int8_or_without_it(tiny_onnx, monkeypatch):
    auto = Runtime.parse("auto")
    assert auto.resolve({}).mode == "openvino"
    assert auto.resolve({"camdetect.quantization": '"int8 (static QDQ, entropy calibration)"'}).mode == "onnxruntime"
    assert Runtime.parse("openvino").resolve({"camdetect.quantization": '"int8"'}).mode == "openvino"  # as asked
    session = Session(tiny_onnx, threads=1, runtime="auto")
    assert session.runtime == Runtime("openvino") and session._ov is not None
    monkeypatch.setitem(sys.modules, "openvino", None)  # an install without the package
    assert auto.resolve({}).mode == "onnxruntime"
    session = Session(tiny_onnx, threads=1, runtime="auto")
    assert session.runtime == Runtime("onnxruntime") and session._ort is not None


def test_openvino_gives_onnxruntime_outputs_for_every_shape(tiny_onnx, monkeypatch):
    """Static compiles per shape, then (past MAX_STATIC_SHAPES) the one dynamic model: all match ORT at f32 (to
    float32 rounding, which this random-weight model's large activations amplify to < 0.1 px)."""
    monkeypatch.setattr(rt, "MAX_STATIC_SHAPES", 2)
    ort, ov = Session(tiny_onnx, threads=1), Session(tiny_onnx, threads=1, runtime="openvino")
    assert ov.props == ort.props and ov.input_shape == ort.input_shape
    rng = np.random.default_rng(0)
    for shape in [(1, 3, 320, 320), (3, 3, 320, 320), (4, 3, 320, 320), (2, 3, 640, 640), (1, 3, 192, 256)]:
        blob = rng.random(shape, dtype=np.float32)
        a, b = ort.run(blob), ov.run(blob)
        assert a.shape == b.shape  # rows: x, y, w, h in input pixels, then one score per class
        assert np.abs(a[:, :4] - b[:, :4]).max() < 0.1 and np.abs(a[:, 4:] - b[:, 4:]).max() < 1e-3
    # 3 and 4 crops share one compiled shape (padded to 4); the 640 and 192 x 256 inputs go to the dynamic model
    assert sorted(ov._ov.requests) == [(1, 3, 320, 320), (4, 3, 320, 320)] and ov._ov.dynamic is not None


def assert_found_in(a: np.ndarray, b: np.ndarray, cap: int | None = None) -> None:
    """Every row of ``a`` (x1, y1, x2, y2, score, class) has a row in ``b`` within float32 noise (0.1 px,
    1e-3 score, same class); rows tied with the lowest kept score of a ``cap``-full list may trade places."""
    cut = a[:, 4].min() + 1e-3 if cap and len(a) == cap else -1.0
    for row in a[a[:, 4] > cut]:
        near = ((np.abs(b[:, :4] - row[:4]).max(1) < 0.1) & (np.abs(b[:, 4] - row[4]) < 1e-3) & (b[:, 5] == row[5]))
        assert near.any(), row


def rows(d) -> np.ndarray:
    return np.column_stack([d.xyxy, d.scores, d.class_ids]).astype(np.float64)


def test_detector_on_openvino_finds_the_same_boxes(tiny_onnx):
    # 640 px views: this random model's scores stay unsaturated there (at 320 many are exactly 1.0, and which
    # of two tied boxes NMS keeps is then arbitrary, whatever the runtime)
    views = synthetic_views(4, 640, seed=5) + [np.full((300, 700, 3), 120, np.uint8)]
    ref = OnnxDetector(tiny_onnx, threads=1).predict(views, conf=0.05)
    got = OnnxDetector(tiny_onnx, threads=1, runtime="openvino").predict(views, conf=0.05)
    assert sum(len(d) for d in ref) > 0
    for a, b in zip(ref, got):
        assert len(a) == len(b)
        assert_found_in(rows(a), rows(b), cap=300)
        assert_found_in(rows(b), rows(a), cap=300)


def test_missing_openvino_names_the_module(tiny_onnx, monkeypatch):
    """The CLI turns it into one line naming the extra (tests/test_installs.py)."""
    monkeypatch.setitem(sys.modules, "openvino", None)  # what an install without the package looks like
    with pytest.raises(ModuleNotFoundError) as err:
        Session(tiny_onnx, runtime="openvino")
    assert err.value.name == "openvino"


def test_bad_model_file_names_the_file_under_openvino(tmp_path):
    bad = tmp_path / "m.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ValueError, match=f"{bad}: cannot load ONNX model"):
        Session(bad, runtime="openvino")


def test_score_with_openvino_matches_onnxruntime_and_records_it(tiny_onnx, tmp_path):
    views = tmp_path / "views"
    views.mkdir()
    from PIL import Image

    for i, v in enumerate(synthetic_views(4, 640, seed=21)):
        Image.fromarray(v[..., ::-1]).save(views / f"v{i}.png")
    runs = {}
    for name in ("onnxruntime", "auto"):
        out = tmp_path / name
        summary = score(ScoreConfig(model=tiny_onnx, input=views, db=str(out / "r.db"), out=out, threads=1,
                                    conf=0.05, progress=False, runtime=name))
        ran = "openvino" if name == "auto" else name
        assert summary.runtime["mode"] == ran and summary.runtime["asked"] == name
        assert json.loads((out / "summary.json").read_text())["runtime"]["spec"] == ran
        runs[name] = read_jsonl(out / "suggestions.jsonl")
    a, b = runs["onnxruntime"], runs["auto"]
    assert len(a) > 0 and len(b) == len(a)
    for view in {r["pano_id"] for r in a}:
        mine = [np.array([[r["x1"], r["y1"], r["x2"], r["y2"], r["score"], hash(r["type"])] for r in s
                          if r["pano_id"] == view]) for s in (a, b)]
        assert_found_in(mine[0], mine[1])


def test_cli_default_runs_openvino_without_torch_and_bad_spec_exits_2(tiny_onnx, tmp_path):
    views = tmp_path / "v"
    views.mkdir()
    from PIL import Image

    Image.fromarray(synthetic_views(1, 320, seed=1)[0]).save(views / "a.jpg")
    script = ("import json, sys\nfrom camdetect.cli import app\ntry:\n    app({args!r}, standalone_mode=False)\n"
              "finally:\n    print(json.dumps({{m: m in sys.modules for m in ('torch', 'ultralytics', 'openvino')}}))\n")
    args = ["score", str(views), "--model", str(tiny_onnx), "--db", str(tmp_path / "r.db"),
            "--out", str(tmp_path / "out"), "--threads", "1", "--no-progress"]
    proc = subprocess.run([PY, "-c", script.format(args=args)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"torch": False, "ultralytics": False, "openvino": True}
    ran = json.loads((tmp_path / "out" / "summary.json").read_text())["runtime"]
    assert (ran["spec"], ran["asked"]) == ("openvino", "auto")
    bad = subprocess.run([PY, "-c", "from camdetect.cli import main; main()", "score", str(views), "--model",
                          str(tiny_onnx), "--runtime", "openvino:precision=int4", "--db", str(tmp_path / "r2.db"),
                          "--no-progress"], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2
    err = bad.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --runtime") and "precision must be" in err[0]


def test_streams_are_onnxruntime_sessions_that_run_at_once_and_give_the_same_outputs(tiny_onnx):
    """`--streams 2`: two one-thread sessions, each taken by one caller at a time; outputs equal one session's."""
    from concurrent.futures import ThreadPoolExecutor

    one, two = Session(tiny_onnx, threads=2), Session(tiny_onnx, threads=2, streams=2)
    assert (one.streams, two.streams) == (1, 2) and two._ort.qsize() == 2
    assert Session(tiny_onnx, threads=1, streams=4).streams == 1  # never more streams than threads
    rng = np.random.default_rng(1)
    blobs = [rng.random((2, 3, 320, 320), dtype=np.float32) for _ in range(6)]
    with ThreadPoolExecutor(4) as ex:  # more callers than streams: the others wait for a free session
        got = list(ex.map(two.run, blobs))
    assert two._ort.qsize() == 2  # every session handed back
    for blob, out in zip(blobs, got):
        ref = one.run(blob)
        assert np.abs(ref[:, :4] - out[:, :4]).max() < 0.1 and np.abs(ref[:, 4:] - out[:, 4:]).max() < 1e-3
    with pytest.raises(ValueError, match="--streams must be >= 1"):
        Session(tiny_onnx, streams=0)


def test_openvino_keeps_one_stream_and_score_records_the_streams(tiny_onnx, tmp_path):
    """OpenVINO hung once with two infer requests from two threads: it runs one stream whatever is asked;
    summary.json says how many ran."""
    assert Session(tiny_onnx, threads=2, runtime="openvino", streams=2).streams == 1
    views = tmp_path / "views"
    views.mkdir()
    from PIL import Image

    for i, v in enumerate(synthetic_views(3, 640, seed=4)):
        Image.fromarray(v[..., ::-1]).save(views / f"v{i}.png")
    ran = {}
    for runtime, streams in (("onnxruntime", 0), ("onnxruntime", 1), ("openvino", 2)):
        out = tmp_path / f"{runtime}{streams}"
        s = score(ScoreConfig(model=tiny_onnx, input=views, db=str(out / "r.db"), out=out, threads=2, conf=0.05,
                              progress=False, runtime=runtime, streams=streams))
        ran[(runtime, streams)] = json.loads((out / "summary.json").read_text())["runtime"]["streams"]
        assert s.runtime["streams"] == ran[(runtime, streams)]
    assert ran == {("onnxruntime", 0): 2, ("onnxruntime", 1): 1, ("openvino", 2): 1}  # 0: auto_streams(2) = 2
