"""Which ``pip install 'camdetect[EXTRA]'`` brings an optional module, for one-line errors.

The core install is what every command needs to start (numpy, OpenCV headless, pyyaml, typer, pillow,
tqdm, pydantic, sqlalchemy + alembic). Everything else lives in an extra and is imported inside the
function that uses it; when it is missing, ``camdetect.cli.main`` prints ``error: <module> is not
installed: pip install 'camdetect[...]'`` instead of a traceback.
"""

from __future__ import annotations

# top-level module name -> the extras that install it (first = the smallest that does)
EXTRA_OF: dict[str, tuple[str, ...]] = {
    "onnxruntime": ("score", "train"),
    "openvino": ("score",),
    "psycopg": ("score", "review"),
    "faster_coco_eval": ("eval", "train"),
    "matplotlib": ("eval", "train", "render"),
    "scipy": ("train",),
    "torch": ("train",),
    "torchvision": ("train",),
    "ultralytics": ("train",),
    "albumentations": ("train",),
    "onnx": ("train",),
    "onnxslim": ("train",),
    "ray": ("ray",),
    "fastapi": ("review",),
    "uvicorn": ("review",),
    "argon2": ("review",),
    "jinja2": ("review",),
    "multipart": ("review",),
    "python_multipart": ("review",),
    "httpx": ("review", "geo"),
    "osmium": ("geo",),
    "shapely": ("geo",),
    "mitsuba": ("render",),
    "drjit": ("render",),
}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """One line naming the extra to install for a missing optional module, or None if it is not one."""
    top = (exc.name or "").split(".")[0]
    extras = EXTRA_OF.get(top)
    if not extras:
        return None
    alt = "".join(f" (or [{e}])" for e in extras[1:])
    return f"{top} is not installed: pip install 'camdetect[{extras[0]}]'{alt}"
