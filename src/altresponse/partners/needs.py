"""One vocabulary of needs across 911, 311, crisis lines and homelessness services.

911 calls reach a need through their common incident type (or its category); 311 requests through
the city's 311 crosswalk. A 911 category or a 311 type the maps do not know becomes `unmapped` and
is counted by the caller, never guessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from altresponse.errors import BadInput

UNMAPPED = "unmapped"
_BUILTIN = Path(__file__).with_name("needs.yaml")


@dataclass(frozen=True)
class NeedMap:
    """Needs with their meaning, and the 911 common-type and category maps into them."""

    needs: Mapping[str, str]
    by_common_type: Mapping[str, str]
    by_category: Mapping[str, str]
    community_scope: tuple[str, ...] = ()
    related: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for where, table in (("common_types", self.by_common_type), ("categories", self.by_category)):
            bad = sorted({v for v in table.values() if v not in self.needs})
            if bad:
                raise BadInput(f"need map {where}: unknown needs {bad}; known: {sorted(self.needs)}")
        bad = sorted(
            (set(self.community_scope) | {n for pair in self.related for n in pair}) - set(self.needs)
        )
        if bad:
            raise BadInput(f"need map community_scope or related: unknown needs {bad}")

    def for_call(self, common_type: str | None, category: str | None) -> str:
        """The need of a 911 call: its type's need, else its category's, else `unmapped`."""
        if common_type and common_type in self.by_common_type:
            return self.by_common_type[common_type]
        if category and category in self.by_category:
            return self.by_category[category]
        return UNMAPPED

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> NeedMap:
        try:
            return cls(
                dict(data["needs"]),
                dict(data.get("common_types") or {}),
                dict(data.get("categories") or {}),
                tuple(data.get("community_scope") or ()),
                tuple((str(a), str(b)) for a, b in (data.get("related") or ())),
            )
        except (KeyError, TypeError) as exc:
            raise BadInput(
                f"need map needs `needs`, `common_types` and `categories` mappings: {exc}"
            ) from exc

    @classmethod
    def builtin(cls) -> NeedMap:
        return cls.from_mapping(yaml.safe_load(_BUILTIN.read_text(encoding="utf-8")))


def _key(text: str) -> str:
    return " ".join(text.split()).upper()


@dataclass(frozen=True)
class Entry311:
    request_type: str
    need: str
    common_type: str | None
    absorbs_911: bool
    note: str = ""


@dataclass(frozen=True)
class Crosswalk311:
    """A city's 311 request types mapped to needs (and to a 911 common type where one matches).

    `absorbs_911` marks the types that take a problem people would otherwise call 911 about
    (noise, illegal dumping, abandoned vehicles, homeless outreach ...).
    """

    name: str
    entries: tuple[Entry311, ...]
    _by_key: dict[str, Entry311] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries:
            seen = self._by_key.get(_key(entry.request_type))
            if seen is not None and seen.need != entry.need:
                raise BadInput(
                    f"311 crosswalk {self.name!r}: {entry.request_type!r} is listed twice with "
                    f"different needs ({seen.need}, {entry.need})"
                )
            self._by_key.setdefault(_key(entry.request_type), entry)

    def __len__(self) -> int:
        return len(self._by_key)

    def lookup(self, request_type: str) -> Entry311 | None:
        return self._by_key.get(_key(request_type))

    def need(self, request_type: str) -> str:
        entry = self.lookup(request_type)
        return entry.need if entry else UNMAPPED

    def types_for_need(self, need: str) -> list[str]:
        return sorted(e.request_type for e in self._by_key.values() if e.need == need)

    def validate(self, need_map: NeedMap, common_types: Iterable[str] | None = None) -> Crosswalk311:
        """Every need must be known; every common type must exist in the catalogue when one is given."""
        known_types = set(common_types) if common_types is not None else None
        for entry in self.entries:
            if entry.need not in need_map.needs:
                raise BadInput(
                    f"311 crosswalk {self.name!r}: {entry.request_type!r} maps to unknown need "
                    f"{entry.need!r}",
                    column="need",
                )
            if entry.common_type and known_types is not None and entry.common_type not in known_types:
                raise BadInput(
                    f"311 crosswalk {self.name!r}: {entry.request_type!r} names unknown common "
                    f"type {entry.common_type!r}",
                    column="common_type",
                )
        return self

    @classmethod
    def from_csv_text(cls, text: str, name: str, file: str | None = None) -> Crosswalk311:
        reader = csv.DictReader(io.StringIO(text))
        needed = ("request_type", "need", "common_type", "absorbs_911")
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInput(f"311 crosswalk needs columns {needed}; missing {missing}", file=file, line=1)
        entries = []
        for line, row in enumerate(reader, start=2):
            request_type, need = (row.get("request_type") or "").strip(), (row.get("need") or "").strip()
            flag = (row.get("absorbs_911") or "").strip().lower()
            if not request_type or not need or flag not in ("yes", "no"):
                raise BadInput("expected request_type, need and absorbs_911 (yes/no)", file=file, line=line)
            entries.append(
                Entry311(
                    request_type,
                    need,
                    (row.get("common_type") or "").strip() or None,
                    flag == "yes",
                    (row.get("note") or "").strip(),
                )
            )
        return cls(name, tuple(entries))
