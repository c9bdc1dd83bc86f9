"""Albumentations for street imagery, handed to ultralytics through its ``augmentations=`` train argument.

Ultralytics applies a custom list in place of its default Albumentations step (after mosaic/affine,
before HSV and flips), handling boxes itself when a transform is spatial. What Street View does to a
10-pixel camera: motion/defocus blur from the moving car, JPEG blocks from tiled panoramas, exposure
swings between sun and shade, haze and rain. Blur is kept mild (kernel <= 5 px): a 7-px kernel would
erase the camera it is meant to teach. The one spatial transform is a crop that keeps every box
whole, resized back to imgsz: it zooms in on small cameras without ever cutting one in half.
"""

from __future__ import annotations

from camdetect.train.config import AugmentConfig


def street_augmentations(cfg: AugmentConfig, imgsz: int) -> list:
    """The albumentations transform list for ``model.train(augmentations=...)`` ([] when disabled)."""
    if not cfg.enabled:
        return []
    import os

    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    import albumentations as A

    t = []
    if cfg.blur > 0:
        t.append(A.OneOf([A.MotionBlur(blur_limit=(3, 5)), A.GaussianBlur(blur_limit=(3, 5), sigma_limit=(0.3, 1.0)),
                          A.Defocus(radius=(1, 2), alias_blur=(0.1, 0.3))], p=cfg.blur))
    if cfg.jpeg > 0:
        t.append(A.ImageCompression(quality_range=tuple(cfg.jpeg_quality), p=cfg.jpeg))
    if cfg.brightness > 0:
        t.append(A.RandomBrightnessContrast(brightness_limit=0.25, contrast_limit=0.25, p=cfg.brightness))
    if cfg.fog > 0:
        t.append(A.RandomFog(fog_coef_range=(0.1, 0.3), alpha_coef=0.08, p=cfg.fog))
    if cfg.rain > 0:
        t.append(A.RandomRain(drop_length=8, blur_value=3, brightness_coefficient=0.9, rain_type="drizzle", p=cfg.rain))
    if cfg.safe_crop > 0:
        t.append(A.RandomSizedBBoxSafeCrop(height=imgsz, width=imgsz, erosion_rate=0.0, p=cfg.safe_crop))
    return t
