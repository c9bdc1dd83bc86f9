"""Batch scoring with onnxruntime only: ``camdetect score --model M INPUT --db URL`` (docs/scoring.md).

Never imports torch or ultralytics (a test runs the scorer in a subprocess and checks sys.modules).
"""
