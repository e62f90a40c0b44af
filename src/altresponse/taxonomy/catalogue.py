"""The catalogue of common incident types that every agency crosswalk maps into.

Agencies name the same incident a hundred ways ("CHECK WELL-BEING", "Well Being Check", "910");
analysis, risk and protocol rules speak only of common type ids. The catalogue is data
(`types.yaml`), validated here against the schema's categories and pathways so a typo fails at
load time rather than silently dropping calls later.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.facts import EMERGENCY_PATHWAYS

UNMAPPED = "unmapped"
"""The common type (and category) given to a local call type the crosswalk does not know."""


@dataclass(frozen=True)
class CommonType:
    """One common incident type: what it is, where it sits, and who could answer it."""

    id: str
    name: str
    category: str
    apco_code: str | None
    responders: tuple[str, ...]
    description: str
    origin: str | None = None

    @property
    def default_responder(self) -> str:
        """The pathway listed first: the usual responder when nothing else is known."""
        return self.responders[0]

    @property
    def allows_alternative(self) -> bool:
        """Whether the protocol could send this type to a pathway without police, fire or EMS: mapping a
        local call type here can lower its response level, so only a person may accept it."""
        return any(r not in EMERGENCY_PATHWAYS for r in self.responders)

    @property
    def is_call(self) -> bool:
        """False for records that are not calls for service (an officer's status entries)."""
        return self.category not in schema.NOT_CALL_CATEGORIES


@dataclass(frozen=True)
class Catalogue:
    """All common incident types, keyed by id, in catalogue order."""

    version: str
    types: Mapping[str, CommonType]

    def __iter__(self) -> Iterator[CommonType]:
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def __contains__(self, type_id: object) -> bool:
        return type_id in self.types

    def get(self, type_id: str) -> CommonType:
        try:
            return self.types[type_id]
        except KeyError:
            raise BadInput(f"unknown common incident type {type_id!r} (see taxonomy/types.yaml)") from None

    def category_of(self, type_id: str) -> str:
        """Category of a type id; `unmapped` stays `unmapped`."""
        return UNMAPPED if type_id == UNMAPPED else self.get(type_id).category

    def in_category(self, category: str) -> list[CommonType]:
        return [t for t in self if t.category == category]

    def implied_origins(self) -> dict[str, str]:
        """Type id -> the origin its records have whatever the export says (officer's own work, status)."""
        return {t.id: t.origin for t in self if t.origin is not None}

    def not_calls(self) -> list[str]:
        """Ids of types whose records are not calls for service (excluded from eligible shares)."""
        return [t.id for t in self if not t.is_call]

    @classmethod
    def from_records(cls, records: list[Mapping[str, Any]], version: str = "unversioned",
                     source: str = "<records>") -> Catalogue:
        """Build and validate a catalogue from plain mappings (as read from YAML)."""
        types: dict[str, CommonType] = {}
        for index, rec in enumerate(records):
            where = f"{source} type #{index + 1}"
            missing = [k for k in ("id", "name", "category", "responders", "description") if not rec.get(k)]
            if missing:
                raise BadInput(f"{where}: missing {', '.join(missing)}", file=source)
            type_id = str(rec["id"])
            if type_id in types:
                raise BadInput(f"{where}: duplicate id {type_id!r}", file=source)
            if type_id == UNMAPPED:
                raise BadInput(f"{where}: {UNMAPPED!r} is reserved for crosswalk misses", file=source)
            category = str(rec["category"])
            if category not in schema.CATEGORIES:
                raise BadInput(f"{where} ({type_id}): category {category!r} not in {schema.CATEGORIES}",
                               file=source)
            responders = tuple(str(r) for r in rec["responders"])
            bad = [r for r in responders if r not in schema.PATHWAYS]
            if bad:
                raise BadInput(f"{where} ({type_id}): responders {bad} not in {schema.PATHWAYS}", file=source)
            apco = rec.get("apco_code")
            origin = rec.get("origin")
            if origin is not None and origin not in schema.ORIGINS:
                raise BadInput(f"{where} ({type_id}): origin {origin!r} not in {schema.ORIGINS}", file=source)
            types[type_id] = CommonType(
                id=type_id,
                name=str(rec["name"]),
                category=category,
                apco_code=None if apco is None else str(apco),
                responders=responders,
                description=str(rec["description"]),
                origin=None if origin is None else str(origin),
            )
        return cls(version=version, types=types)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Catalogue:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise BadInput(f"cannot read the type catalogue: {exc}", file=str(path)) from exc
        if not isinstance(data, dict) or not isinstance(data.get("types"), list):
            raise BadInput("expected a mapping with a 'types' list", file=str(path))
        version = str(data.get("version", "unversioned"))
        return cls.from_records(data["types"], version=version, source=str(path))


def builtin_path(*parts: str) -> Path:
    """Path of a file shipped inside the taxonomy package."""
    return Path(str(resources.files("altresponse.taxonomy").joinpath(*parts)))


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Catalogue:
    return Catalogue.from_yaml(path)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load the shipped catalogue (or one at `path`); cached, because every encoder needs it."""
    return _load_cached(str(path) if path is not None else str(builtin_path("types.yaml")))
