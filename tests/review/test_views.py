import cv2
import numpy as np

from camdetect.geometry import ViewPlan, plan_views
from camdetect.review.views import ViewWriter


def test_a_view_is_cut_and_written_once(tmp_path):
    pano = np.random.default_rng(0).integers(0, 255, size=(256, 512, 3), dtype=np.uint8)
    views = plan_views("p1", ViewPlan(n_headings=4, width=96, height=96))
    media = tmp_path / "media"
    w = ViewWriter(pano, "p1", 0.0, media, "m")
    rel = w.path(1, views[1])
    assert rel == f"m/p1_h{views[1].heading:06.2f}.jpg"
    img = cv2.imread(str(media / rel))
    assert img is not None and img.shape == (96, 96, 3)
    stamp = (media / rel).stat().st_mtime_ns
    assert w.path(1, views[1]) == rel and list(w.cut) == [1]  # cached: asked twice, cut once
    again = ViewWriter(pano, "p1", 0.0, media, "m")  # a resumed feed finds the file and keeps it
    assert again.path(1, views[1]) == rel and (media / rel).stat().st_mtime_ns == stamp
    assert len(list((media / "m").iterdir())) == 1  # only the view a task needed
