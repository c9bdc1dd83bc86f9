"""Letterbox resize identical to ultralytics' ``LetterBox(auto=False, center=True)`` (pixel-equal, tested).

Training and the PyTorch predictor feed the network letterboxed images; any difference in rounding
or interpolation here shifts boxes by a pixel and costs AP on 9-px cameras, so this copies the
arithmetic exactly (round-half-even ``round``, the ``-0.1/+0.1`` pad split, ``INTER_LINEAR``, pad 114).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class LetterboxParams:
    """How one image was placed into the network input: scale then pad (left, top)."""

    gain_x: float
    gain_y: float
    pad_x: int
    pad_y: int
    orig_h: int
    orig_w: int


def letterbox_params(h: int, w: int, imgsz: int | tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int, int, int], LetterboxParams]:
    """Return ``(new_unpad_wh, (top, bottom, left, right), params)`` for an ``h x w`` image."""
    new_h, new_w = (imgsz, imgsz) if isinstance(imgsz, int) else imgsz
    r = min(new_h / h, new_w / w)
    unpad_w, unpad_h = max(round(w * r), 1), max(round(h * r), 1)
    dw, dh = (new_w - unpad_w) / 2, (new_h - unpad_h) / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    params = LetterboxParams(unpad_w / w, unpad_h / h, left, top, h, w)
    return (unpad_w, unpad_h), (top, bottom, left, right), params


def letterbox(img: np.ndarray, imgsz: int | tuple[int, int]) -> tuple[np.ndarray, LetterboxParams]:
    """Resize keeping aspect ratio and pad with 114 to ``imgsz``; HWC uint8 in, HWC uint8 out."""
    h, w = img.shape[:2]
    unpad, (top, bottom, left, right), params = letterbox_params(h, w, imgsz)
    if (w, h) != unpad:
        img = cv2.resize(img, unpad, interpolation=cv2.INTER_LINEAR)
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return img, params


def to_blob(images: list[np.ndarray], imgsz: int | tuple[int, int]) -> tuple[np.ndarray, list[LetterboxParams]]:
    """BGR uint8 images -> float32 NCHW RGB /255 batch (the preprocessing recorded in the ONNX metadata).

    An image that already has the network input's size is fed as is: no resize, no padding, no copy
    before the float conversion (the letterbox would return it unchanged: same blob, same params).
    Each image is written straight into its slot of the batch (no stacked uint8 copy)."""
    new_h, new_w = (imgsz, imgsz) if isinstance(imgsz, int) else imgsz
    blob = np.empty((len(images), 3, new_h, new_w), np.float32)
    params = []
    for i, im in enumerate(images):
        h, w = im.shape[:2]
        if (h, w) == (new_h, new_w):
            p = LetterboxParams(1.0, 1.0, 0, 0, h, w)
        else:
            im, p = letterbox(im, (new_h, new_w))
        for c, plane in enumerate(cv2.split(im)[::-1]):  # BGR -> RGB planes (contiguous: 0.7 ms less per
            blob[i, c] = plane  # 640 px view than strided slices), uint8 -> float32 on assignment
        params.append(p)
    blob /= 255.0
    return blob, params


def unletterbox_boxes(xyxy: np.ndarray, params: LetterboxParams) -> np.ndarray:
    """Map boxes from network-input pixels back to the original image and clip to it."""
    out = xyxy.astype(np.float32, copy=True)
    out[:, [0, 2]] = (out[:, [0, 2]] - params.pad_x) / params.gain_x
    out[:, [1, 3]] = (out[:, [1, 3]] - params.pad_y) / params.gain_y
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, params.orig_w)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, params.orig_h)
    return out
