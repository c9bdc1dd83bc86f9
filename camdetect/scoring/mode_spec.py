"""``MODE:key=value,...`` options (``--layout``, ``--skip-tiles``): one parser and one label for both, so a
spec printed in a report can be pasted back on the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

T = TypeVar("T")


def parse_mode_spec(cls: type[T], spec: Any, option: str, convert: Callable[[str, str], Any]) -> T:
    """``MODE`` or ``MODE:key=value,...``, a dict of fields, an instance of the dataclass ``cls``, or None
    (its defaults); ``convert(key, text)`` types a value. Bad input: a one-line ValueError naming ``option``."""
    if spec is None or isinstance(spec, cls):
        return spec or cls()
    if isinstance(spec, dict):
        return cls(**spec)
    keys = [k for k in cls.__dataclass_fields__ if k != "mode"]
    mode, _, rest = str(spec).partition(":")
    kw: dict = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq or key not in keys:
            raise ValueError(f"{option} {spec!r}: expected MODE[:key=value,...] with keys {', '.join(keys)}; "
                             f"got {item!r}")
        try:
            kw[key] = convert(key, value)
        except ValueError:
            raise ValueError(f"{option} {spec!r}: {key} must be a number, got {value!r}") from None
    return cls(mode=mode, **kw)


def mode_spec_label(obj: Any, fmt: Callable[[Any], str] = lambda v: f"{v:g}") -> str:
    """The spec that rebuilds ``obj``: its mode, then the fields that differ from the class defaults."""
    diff = [f"{k}={fmt(v)}" for k, v in asdict(obj).items() if k != "mode" and v != getattr(type(obj), k)]
    return obj.mode + (":" + ",".join(diff) if diff else "")
