import numpy as np
import pytest

from camdetect.render.kinds import ALL_KINDS, CAMERA_KINDS, DECOY_KINDS, build
from camdetect.render.parts import box, corners, cylinder, rotate, transform, translate


def test_cylinder_corners_span_its_axis():
    c = corners(cylinder((0, 0, 0), (0, 2, 0), 0.5, "pole"))
    assert c[:, 1].min() == pytest.approx(0, abs=1e-9) and c[:, 1].max() == pytest.approx(2)
    assert np.abs(c[:, [0, 2]]).max() == pytest.approx(0.5)


def test_transform_moves_a_model_as_a_whole():
    parts = [box((0, 0, 1), (0.2, 0.2, 0.2), "housing")]
    moved = transform(parts, translate(1, 2, 3) @ rotate("y", 90))
    centre = corners(moved[0]).mean(0)
    assert centre == pytest.approx([2, 2, 3], abs=1e-9)  # (0,0,1) turned 90 deg about y -> (1,0,0)


@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_every_kind_builds_true_to_role(kind):
    model = build(kind, np.random.default_rng(0))
    roles = {p.role for p in model.parts}
    if kind in CAMERA_KINDS:
        assert "camera" in roles and model.type in ("dome", "bullet", "alpr")
        cam = np.concatenate([corners(p) for p in model.parts if p.role == "camera"])
        extent = np.ptp(cam, axis=0).max()
        assert 0.05 < extent < 0.9  # metres: real cameras are 5-60 cm (CAMERAS.md), ALPR hoods a bit more
    else:
        assert kind in DECOY_KINDS and "camera" not in roles and model.type is None


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown kind 'toaster'"):
        build("toaster", np.random.default_rng(0))
