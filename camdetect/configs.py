"""Typed config files: one pydantic model per file kind, strict types and ranges, unknown keys refused.

Every problem is reported as one line ``FILE: KEY: PROBLEM, got VALUE`` in a :class:`ConfigError`, a
``ValueError``, so the command line prints ``error: ...`` and exits 2 (``camdetect.cli.main``)::

    error: configs/train/x.yaml: epochs: expected an integer, got 'ten'
    error: configs/demo.yaml: full.intersections: expected an integer, got 'many'
    error: configs/train/x.yaml: augment.snow: unknown key (expected one of: blur, brightness, ...)

A file model only checks a file. The records the stages use stay the dataclasses they are
(``TrainConfig``, ``ViewPlan``, ``EffortModel``, ``DemoSettings``): a file model's fields carry the types
and ranges, the dataclass carries the defaults. Fields of a :class:`StrictModel` therefore default to
``None`` without being optional: a key absent from the file is left out of :meth:`StrictModel.present`
(the dataclass default applies), a key present with ``null`` is refused unless the type says ``| None``.

Strict means: no coercion. ``epochs: "10"`` and ``epochs: 10.0`` are refused, ``lr0: 1`` is a float,
booleans are ``true``/``false`` only, and NaN or infinite numbers are refused.
"""

from __future__ import annotations

import math
import os
import typing
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

__all__ = [
    "ConfigError",
    "ImageSize",
    "NonNegativeFloat",
    "NonNegativeInt",
    "PositiveInt",
    "Probability",
    "Real",
    "StrictModel",
    "load_mapping",
    "load_model",
    "validate_mapping",
]

M = TypeVar("M", bound="StrictModel")



def _real(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    if not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return value


# A number as written in the file: an int stays an int (``negatives: 1`` reaches the dataclass as 1, not 1.0,
# so a valid file gives the very values it gave before the file models), a bool or a string is refused.
Real = Annotated[float, PlainValidator(_real)]

# Ranges used by more than one config.
Probability = Annotated[Real, Field(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[Real, Field(ge=0.0)]
ImageSize = Annotated[int, Field(ge=32, multiple_of=32)]  # ultralytics imgsz: a multiple of the largest stride


def file_name(*suffixes: str, empty: bool = False) -> Any:
    """A string naming a file with one of ``suffixes`` (``""`` too when ``empty``: "none")."""

    def check(value: str) -> str:
        if not (value == "" and empty) and not value.endswith(suffixes):
            raise ValueError(f"expected a {' or '.join(suffixes)} file{' or an empty string' if empty else ''}")
        return value

    return Annotated[str, AfterValidator(check)]


YamlFile = file_name(".yaml", ".yml")  # a model yaml, a recipe
CheckpointFile = file_name(".pt", empty=True)  # a torch checkpoint, "" for none
OnnxFile = file_name(".onnx", empty=True)  # an exported model, "" for none


class ConfigError(ValueError):
    """A config file that does not match its model: one line naming the file, the key and the problem."""


class StrictModel(BaseModel):
    """Base of every config-file model: strict types, unknown keys refused, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False,
                              validate_default=False)
    # Appended to the "unknown key" message of this model's own keys (e.g. where extras belong instead).
    unknown_hint: ClassVar[str] = ""

    def present(self) -> dict[str, Any]:
        """The keys the file set (nested models as dicts), without the ones left to the defaults."""
        return self.model_dump(exclude_unset=True)


_TYPE_WORDS = {
    "int_type": "expected an integer", "float_type": "expected a number", "bool_type": "expected true or false",
    "string_type": "expected a string", "list_type": "expected a list", "tuple_type": "expected a list",
    "dict_type": "expected a mapping", "model_type": "expected a mapping", "finite_number": "expected a finite number",
    "int_from_float": "expected an integer", "missing": "required",
}


_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<",
           "multiple_of": "a multiple of"}


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the key at ``loc`` (walking nested models, lists and dicts of models)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part)) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
        else:  # a container: list[Model], dict[str, Model], Model | None
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[-1] if args else None
        while typing.get_origin(current) is Annotated:
            current = typing.get_args(current)[0]
    args = [a for a in typing.get_args(current) if a is not type(None)]
    if not (isinstance(current, type) and issubclass(current, BaseModel)) and len(args) == 1:
        current = args[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _problem(model: type[BaseModel], err: dict) -> str:
    loc = tuple(err["loc"])
    key = ".".join(str(p) for p in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        expected = f" (expected one of: {', '.join(owner.model_fields)})" if owner is not None else ""
        hint = getattr(owner, "unknown_hint", "") if owner is not None else ""
        return f"{key}: unknown key{expected}{'; ' + hint if hint else ''}"
    if kind == "missing":
        return f"{key}: required"
    ctx = err.get("ctx") or {}
    msg = _TYPE_WORDS.get(kind)
    if kind in _BOUNDS:
        bound = ctx.get(next(iter(ctx), ""), "")
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        msg = f"must be {_BOUNDS[kind]} {bound}".rstrip()
    elif kind in ("too_short", "too_long"):
        msg = f"expected {ctx.get('min_length') if kind == 'too_short' else ctx.get('max_length')}" \
              f"{' or more' if kind == 'too_short' else ' or fewer'} items"
    elif msg is None:
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        msg = msg[:1].lower() + msg[1:]
    if isinstance(err.get("input"), dict) and kind == "value_error":  # a check across keys: the message names them
        return f"{key}: {msg}" if loc else msg
    return f"{key}: {msg}, got {_short(err.get('input'))}"


def validate_mapping(raw: Any, model: type[M], where: str | os.PathLike) -> M:
    """``raw`` (a parsed file) checked against ``model``; :class:`ConfigError` names ``where`` and the keys."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of keys, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [_problem(model, e) for e in exc.errors(include_url=False)]
        raise ConfigError(f"{where}: " + "; ".join(dict.fromkeys(problems))) from None


def load_mapping(path: str | os.PathLike, what: str = "config") -> dict:
    """A YAML (or JSON) file's top-level mapping; missing file, bad YAML and a non-mapping are one-line errors.
    An empty file is an empty mapping."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML ({problem})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of {what} keys, got {type(raw).__name__}")
    return raw


def load_model(path: str | os.PathLike, model: type[M], what: str = "config") -> M:
    """Read ``path`` and check it against ``model``: the one entry point for config files."""
    return validate_mapping(load_mapping(path, what), model, path)
