"""The verifier's crop: one function for the dataset builder and the scorer, so both see the same pixels."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from camdetect.dataset.crops import context_crop


@dataclass(frozen=True)
class CropSpec:
    """A square ``context`` times the box's longer side (at least ``min_side`` px) resized to ``size``: enough
    surroundings to tell a camera's housing from a lamp's, not so much that a small camera vanishes."""

    context: float = 2.0
    min_side: int = 24
    size: int = 64
    # Against the rendering shortcut (positives are renders, most negatives real): grey (no colour cast to tell a
    # render by) and / or ``detail`` px (the crop shrunk to that side and back: shape kept, render texture lost).
    gray: bool = False
    detail: int = 0

    def __post_init__(self) -> None:
        if self.context < 1.0 or self.min_side < 4 or self.size < 16 or not (self.detail == 0 or 4 <= self.detail):
            raise ValueError(f"crop: context >= 1, min_side >= 4, size >= 16, detail 0 or >= 4 (got {self})")

    def cut(self, image: np.ndarray, box) -> np.ndarray:
        import cv2

        crop = context_crop(image, box, self.context, self.min_side, self.size)
        if self.detail and self.detail < self.size:
            small = cv2.resize(crop, (self.detail, self.detail), interpolation=cv2.INTER_AREA)
            crop = cv2.resize(small, (self.size, self.size), interpolation=cv2.INTER_LINEAR)
        if self.gray:
            from camdetect.scoring.inputs import gray_bgr

            crop = gray_bgr(crop)
        return crop

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict | None) -> CropSpec:
        doc = dict(doc or {})
        return cls(**{k: type(getattr(cls, k))(v) for k, v in doc.items() if k in cls.__dataclass_fields__})
