"""Views of a panorama cut for review tasks and written to the media folder, shared by every feed that puts
suggestions in the review store without a scoring run (``review demo-feed``, ``review verify-feed``)."""

from __future__ import annotations

from pathlib import Path

from camdetect.durable import atomic_write_bytes
from camdetect.records import View


class ViewWriter:
    """A panorama's views written to the media folder as JPEGs, each once and only when a task needs it."""

    def __init__(self, pano, pano_id: str, pano_heading: float, media: Path, model: str):
        self.pano, self.pano_id, self.pano_heading, self.media, self.model = pano, pano_id, pano_heading, media, model
        self.cut: dict[int, str] = {}  # view index -> media-relative path

    def path(self, i: int, view: View) -> str:
        import cv2

        from camdetect.geometry import cut_view

        rel = f"{self.model}/{self.pano_id}_h{view.heading:06.2f}.jpg"
        if i not in self.cut:
            path = self.media / rel
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                ok, buf = cv2.imencode(".jpg", cut_view(self.pano, view, self.pano_heading),
                                       [cv2.IMWRITE_JPEG_QUALITY, 90])
                if not ok:
                    raise ValueError(f"{self.pano_id}: cannot encode view {rel}")
                atomic_write_bytes(path, buf.tobytes())
            self.cut[i] = rel
        return self.cut[i]
