"""ONNX export of trained runs: ``camdetect export RUN --out models/NAME.onnx`` (see docs/export.md).

Only :mod:`camdetect.export.metadata` is light (json only); it is shared with the scorer. The other
modules import torch / ultralytics / onnx inside functions.
"""
