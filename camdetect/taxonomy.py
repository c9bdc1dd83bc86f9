"""The camera taxonomy (type and mount) loaded from ``configs/taxonomy.yaml``.

Types: dome, bullet, unknown and alpr (licence-plate readers, OSM ``surveillance:type=ALPR``).
``camdetect/data/taxonomy.yaml`` is a symlink to ``configs/taxonomy.yaml`` (one file; the package
reads it through the link so an installed camdetect finds it).

One source of truth: importers map raw labels through :meth:`Taxonomy.map_type` /
:meth:`Taxonomy.map_mount`, the detector's class names come from ``detector_classes`` and the OSM
export from :meth:`Taxonomy.osm_tags`. An unknown label raises :class:`UnknownLabelError` naming the
file, line and value (strict mode), or is counted in a :class:`LabelWarnings` (lenient mode).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from camdetect.configs import StrictModel, load_model

PACKAGE_COPY = Path(__file__).parent / "data" / "taxonomy.yaml"


class UnknownLabelError(ValueError):
    """A label that no synonym in the taxonomy matches."""


def _fold(label: object) -> str:
    """Normalise a raw label for lookup: lower case, separators folded to single spaces."""
    text = "" if label is None else str(label)
    text = text.strip().lower()
    text = re.sub(r"[\s_\-/]+", " ", text)
    return text.strip()


@dataclass
class LabelWarnings:
    """Counted problems met in lenient mode, reported at the end of an import."""

    counts: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, message: str) -> None:
        self.counts[kind] += 1
        self.examples.setdefault(kind, message)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        if not self.counts:
            return "no warnings"
        return "; ".join(f"{k}: {n} (e.g. {self.examples[k]})" for k, n in self.counts.most_common())


def where(path: str | os.PathLike | None, line: int | None) -> str:
    """``file:line`` prefix used by every one-line error."""
    if path is None:
        return ""
    return f"{path}:{line}" if line is not None else f"{path}"


class TypeSpec(StrictModel):
    description: str = ""
    synonyms: list[str] = Field(default_factory=list)


class MountSpec(TypeSpec):
    details: dict[str, list[str]] | None = None  # finer mount -> its synonyms


class OsmSpec(StrictModel):
    base: dict[str, str]
    camera_type: dict[str, str | None]
    camera_mount: dict[str, str | None]
    camera_mount_detail: dict[str, str]
    type_tags: dict[str, dict[str, str]] | None = None


class TaxonomyFile(StrictModel):
    """configs/taxonomy.yaml (or a city's own taxonomy) -> :class:`Taxonomy`. Every key is required."""

    types: Annotated[dict[str, TypeSpec], Field(min_length=1)]
    mounts: Annotated[dict[str, MountSpec], Field(min_length=1)]
    detector_classes: Annotated[list[str], Field(min_length=1)]
    osm: OsmSpec

    @model_validator(mode="after")
    def _names_exist(self) -> TaxonomyFile:
        checks = [("detector_classes", self.detector_classes, self.types, "types"),
                  ("osm.camera_type", self.osm.camera_type, self.types, "types"),
                  ("osm.type_tags", self.osm.type_tags or {}, self.types, "types"),
                  ("osm.camera_mount", self.osm.camera_mount, self.mounts, "mounts")]
        for key, names, known, what in checks:
            bad = [n for n in names if n not in known]
            if bad:
                raise ValueError(f"{key}: {', '.join(map(repr, bad))} not among the {what} ({', '.join(known)})")
        return self


@dataclass(frozen=True)
class Taxonomy:
    types: tuple[str, ...]
    mounts: tuple[str, ...]
    mount_details: dict[str, str]  # detail -> parent mount
    detector_classes: tuple[str, ...]
    type_synonyms: dict[str, str]
    mount_synonyms: dict[str, str]
    detail_synonyms: dict[str, str]
    osm: dict
    source: str

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Taxonomy:
        path = Path(path or os.environ.get("CAMDETECT_TAXONOMY") or PACKAGE_COPY)
        raw = load_model(path, TaxonomyFile, "taxonomy").model_dump()
        type_syn: dict[str, str] = {}
        for name, spec in raw["types"].items():
            for s in [name, *spec.get("synonyms", [])]:
                type_syn.setdefault(_fold(s), name)
        mount_syn: dict[str, str] = {}
        detail_syn: dict[str, str] = {}
        details: dict[str, str] = {}
        for name, spec in raw["mounts"].items():
            for s in [name, *spec.get("synonyms", [])]:
                mount_syn.setdefault(_fold(s), name)
            for detail, syns in (spec.get("details") or {}).items():
                details[detail] = name
                for s in [detail, *syns]:
                    detail_syn.setdefault(_fold(s), detail)
                    mount_syn.setdefault(_fold(s), name)
        return cls(
            types=tuple(raw["types"]),
            mounts=tuple(raw["mounts"]),
            mount_details=details,
            detector_classes=tuple(raw["detector_classes"]),
            type_synonyms=type_syn,
            mount_synonyms=mount_syn,
            detail_synonyms=detail_syn,
            osm=raw["osm"],
            source=str(path),
        )

    def _map(self, table: dict[str, str], what: str, label: object, *, path=None, line=None,
             strict: bool = True, warnings: LabelWarnings | None = None, default: str | None = None,
             generic: str | None = None) -> str:
        key = _fold(label)
        if key in table:
            return table[key]
        # Free text such as Decoders' Title ("Dome camera on a pole"): look for a known word, longest
        # first; words of the ``generic`` value ("camera", "cctv" -> unknown type) count only when no
        # other word is found, so "LPR camera on a pole" is a licence-plate reader, not an unknown camera.
        for syn, value in sorted(table.items(), key=lambda kv: (kv[1] == generic, -len(kv[0]))):
            if syn and re.search(rf"\b{re.escape(syn)}\b", key):
                return value
        message = f"{where(path, line)}: unknown {what} label {label!r}".lstrip(": ")
        if strict:
            raise UnknownLabelError(message)
        if warnings is not None:
            warnings.add(f"unknown {what}", message)
        if default is None:
            raise UnknownLabelError(message)
        return default

    def map_type(self, label: object, **kw) -> str:
        """Raw type label -> taxonomy type (dome, bullet, alpr, unknown)."""
        kw.setdefault("default", "unknown")
        return self._map(self.type_synonyms, "type", label, generic="unknown", **kw)

    def map_mount(self, label: object, **kw) -> str:
        """Raw mount label -> taxonomy mount (street_furniture, building, other)."""
        kw.setdefault("default", "other")
        return self._map(self.mount_synonyms, "mount", label, **kw)

    def mount_detail(self, label: object) -> str:
        """Finer mount (streetlight, traffic_signal, pole) when the raw label names one, else ''."""
        return self.detail_synonyms.get(_fold(label), "")

    def class_id(self, type_: str) -> int:
        """Detector class index of a taxonomy type; unknown types map to the first class."""
        return self.detector_classes.index(type_) if type_ in self.detector_classes else 0

    def osm_tags(self, type_: str, mount: str, mount_detail: str = "",
                 direction: float | None = None) -> dict[str, str]:
        """OpenStreetMap tags for one camera (man_made=surveillance ...)."""
        tags = {k: str(v) for k, v in self.osm["base"].items()}
        # per-type tags on top of the base: alpr -> surveillance:type=ALPR, surveillance:zone=traffic
        tags.update({k: str(v) for k, v in ((self.osm.get("type_tags") or {}).get(type_) or {}).items()})
        cam_type = self.osm["camera_type"].get(type_)
        if cam_type:
            tags["camera:type"] = cam_type
        mount_tag = self.osm["camera_mount_detail"].get(mount_detail) or self.osm["camera_mount"].get(mount)
        if mount_tag:
            tags["camera:mount"] = mount_tag
        if direction is not None:
            tags["camera:direction"] = str(int(round(direction)) % 360)
        return tags


@lru_cache(maxsize=4)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    """Cached :meth:`Taxonomy.load`; pass a path to use a city-specific taxonomy."""
    return Taxonomy.load(path)
