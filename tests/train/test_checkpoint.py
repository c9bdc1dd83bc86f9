"""camdetect.train.checkpoint: one loader and one writer for tools that derive a checkpoint from another."""

from __future__ import annotations

from pathlib import Path

import pytest

from camdetect.train.checkpoint import CheckpointError, load_checkpoint, save_derived


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from camdetect.export.tiny import build_tiny_run

    return build_tiny_run(tmp_path_factory.mktemp("ck") / "tiny", imgsz=64) / "weights" / "best.pt"


def test_a_derived_checkpoint_reloads_with_its_record(tmp_path: Path, tiny_checkpoint: Path) -> None:
    import torch

    ckpt, net = load_checkpoint(tiny_checkpoint)
    assert next(net.parameters()).dtype == torch.float32
    out = tmp_path / "sub" / "d.pt"
    save_derived(ckpt, net, out, note={"by": "test"})
    raw = torch.load(str(out), map_location="cpu", weights_only=False)
    assert raw["model"] is None and next(raw["ema"].parameters()).dtype == torch.float16  # as ultralytics saves
    again, net2 = load_checkpoint(out)
    assert again["note"] == {"by": "test"} and again["optimizer"] is None and again["epoch"] == -1
    kept = set(ckpt) - {"model", "ema", "optimizer", "updates", "epoch", "best_fitness"}
    assert kept and all(again[k] == ckpt[k] for k in kept if isinstance(ckpt[k], (str, int, float, dict)))
    a, b = net.state_dict(), net2.state_dict()
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-2) for k in a)  # fp16 resolution
    assert not list(tmp_path.glob("sub/*.tmp*"))


@pytest.mark.parametrize("case", ["missing", "garbage", "no-network", "not-a-dict"])
def test_bad_files_are_one_line(tmp_path: Path, case: str) -> None:
    import torch

    path = tmp_path / "x.pt"
    if case == "garbage":
        path.write_text("not a checkpoint")
    elif case == "no-network":
        torch.save({"epoch": 3}, str(path))
    elif case == "not-a-dict":
        torch.save(torch.zeros(3), str(path))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg
