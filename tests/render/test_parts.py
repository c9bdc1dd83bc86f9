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


def test_rounded_turns_housings_not_thin_plates_into_rounded_boxes():
    from camdetect.render.parts import MIN_ROUNDED_SIDE, Part, rounded

    thick = box((0, 0, 0), (0.2, 0.1, 0.3), "housing")
    plate = box((0, 0.06, 0), (0.25, MIN_ROUNDED_SIDE / 2, 0.35), "housing")  # a sun hood: keeps its edge
    pole = cylinder((0, 0, 0), (0, 2, 0), 0.05, "pole", "mount")
    out = rounded([thick, plate, pole], np.random.default_rng(0))
    assert out[0].shape == "rbox" and 0.12 <= out[0].rounding <= 0.4
    assert out[1] == plate and out[2] == pole
    np.testing.assert_allclose(corners(out[0]), corners(thick))  # the same bounds: framing and boxes unchanged
    with pytest.raises(ValueError, match="rounding"):
        Part("box", np.eye(4), "housing", rounding=0.3)
    with pytest.raises(ValueError, match="rounding"):
        Part("rbox", np.eye(4), "housing")


@pytest.mark.parametrize("r", [0.12, 0.4])
def test_rounded_cube_fills_the_unit_cube_with_outward_faces(r):
    from camdetect.render.parts import rounded_cube

    v, n, uv, tri = rounded_cube(r, segments=8)
    assert np.abs(v).max() == pytest.approx(1.0, abs=1e-5)  # touches every face of [-1, 1]^3
    corner = np.abs(v).min(1).max()  # how far the surface reaches towards a corner: 1 for a cube, 0.577 for a ball
    assert corner == pytest.approx(3 ** (-r / 2), abs=1e-3) and 0.7 < corner < 1.0  # n = 2 / r: 3^(-1/n)
    a, b, c = v[tri[:, 0]], v[tri[:, 1]], v[tri[:, 2]]
    assert ((np.cross(b - a, c - a) * (a + b + c)).sum(1) >= 0).all()  # every triangle faces outward
    assert np.allclose(np.linalg.norm(n, axis=1), 1) and ((n * v).sum(1) > 0).all()
    assert uv.min() >= 0 and uv.max() <= 1 and tri.max() < len(v)
