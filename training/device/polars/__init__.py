"""Stand-in for polars on the GPU lease only (training/gpu_run.sh puts this folder on PYTHONPATH there).

polars' runtime wheel (~40 MB) does not fit the 64 MiB that travels to the device machine, and with plots off the
one polars call an ultralytics training run makes is ``pl.read_csv(bytes).to_dict(as_series=False)`` on
results.csv (the trainer stores it in each checkpoint). Never on PYTHONPATH where the real polars is installed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


class DataFrame:
    def __init__(self, columns: dict[str, list]):
        self.columns = columns

    def to_dict(self, as_series: bool = True) -> dict[str, list]:
        return self.columns


def _value(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def read_csv(source, infer_schema_length=None) -> DataFrame:
    text = source.decode("utf-8") if isinstance(source, bytes) else Path(source).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return DataFrame({})
    header = [h.strip() for h in rows[0]]
    return DataFrame({h: [_value(r[i].strip()) for r in rows[1:] if i < len(r)] for i, h in enumerate(header)})
