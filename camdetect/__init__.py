"""camdetect: turn volunteer labels of street surveillance cameras into a detector, score new
intersections in batches, and let volunteers verify the suggestions in a browser."""

__version__ = "0.1.0"

from camdetect.env import configure_offline_ultralytics as _configure

_configure()  # before anything can import ultralytics
