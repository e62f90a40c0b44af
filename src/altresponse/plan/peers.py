"""Peer alternative-response programs as data (plan/peers.yaml).

The catalogue is the evidence base for which call types other cities hand to civilians, how they
screen, what teams cost and how much of the eligible demand they reach. Each figure keeps its year
and its source so a plan can cite it, and flags what is derived or unverified.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from altresponse.errors import BadInput

SCREEN_QUESTIONS: tuple[str, ...] = (
    "weapon", "violence_in_progress", "medical_emergency", "crime_in_progress", "imminent_self_harm",
    "risk_to_others", "insufficient_information", "under_18", "intoxication",
)


@dataclass(frozen=True)
class PeerFigure:
    """One published (or derived) number about a program, with the year it describes and where it was read."""

    key: str
    label: str
    value: float
    unit: str
    year: int
    source: str
    derived: bool = False
    unverified: bool = False
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    year: int
    design: str
    finding: str
    source: str
    unverified: bool = False


@dataclass(frozen=True)
class PeerProgram:
    id: str
    name: str
    city: str
    start_year: int
    model: str
    team: tuple[str, ...]
    team_text: str
    hours_text: str
    call_types: tuple[str, ...]
    screen_out: tuple[str, ...]
    screening_text: str
    source: str
    figures: tuple[PeerFigure, ...]
    evaluations: tuple[Evaluation, ...]
    lessons: str

    def latest(self, key: str) -> PeerFigure | None:
        """The most recent figure with this key, or None."""
        found = [f for f in self.figures if f.key == key]
        return max(found, key=lambda f: f.year) if found else None


@dataclass(frozen=True)
class PeerCatalogue:
    version: str
    programs: tuple[PeerProgram, ...]

    def by_id(self, program_id: str) -> PeerProgram:
        for p in self.programs:
            if p.id == program_id:
                return p
        raise KeyError(program_id)

    def precedent(self) -> Counter[str]:
        """How many peer programs take each common incident type."""
        return Counter(t for p in self.programs for t in set(p.call_types))

    def programs_taking(self, type_id: str) -> list[PeerProgram]:
        return [p for p in self.programs if type_id in p.call_types]

    def screen_out_counts(self, type_id: str) -> Counter[str]:
        """For programs that take a type: how many screen out on each question."""
        return Counter(q for p in self.programs_taking(type_id) for q in p.screen_out)

    def figures(self, key: str) -> list[tuple[PeerProgram, PeerFigure]]:
        """The latest figure with this key from every program that has one."""
        out = []
        for p in self.programs:
            f = p.latest(key)
            if f is not None:
                out.append((p, f))
        return out


def _need(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise BadInput(f"{where}: missing field {key!r}")
    return d[key]


def peers_from_mapping(data: dict[str, Any], *, file: str = "peers.yaml") -> PeerCatalogue:
    """Build the catalogue from parsed YAML, failing loudly on a figure without year or source."""
    programs = []
    for raw in _need(data, "programs", file):
        pid = str(_need(raw, "id", file))
        where = f"{file}: program {pid}"
        figures = []
        for fr in raw.get("figures", []) or []:
            fwhere = f"{where} figure {fr.get('key')!r}"
            src = str(_need(fr, "source", fwhere))
            if not src.startswith("http"):
                raise BadInput(f"{fwhere}: source must be a URL, got {src!r}")
            figures.append(PeerFigure(
                key=str(_need(fr, "key", fwhere)), label=str(fr.get("label", fr["key"])),
                value=float(_need(fr, "value", fwhere)), unit=str(_need(fr, "unit", fwhere)),
                year=int(_need(fr, "year", fwhere)), source=src, derived=bool(fr.get("derived", False)),
                unverified=bool(fr.get("unverified", False)), note=str(fr.get("note", "")),
            ))
        evaluations = tuple(
            Evaluation(year=int(e["year"]), design=str(e["design"]), finding=str(e["finding"]),
                       source=str(e["source"]), unverified=bool(e.get("unverified", False)))
            for e in raw.get("evaluations", []) or []
        )
        screen_out = tuple(str(q) for q in raw.get("screen_out", []))
        unknown = [q for q in screen_out if q not in SCREEN_QUESTIONS]
        if unknown:
            raise BadInput(f"{where}: unknown screening question ids {unknown}; expected {SCREEN_QUESTIONS}")
        programs.append(PeerProgram(
            id=pid, name=str(_need(raw, "name", where)), city=str(_need(raw, "city", where)),
            start_year=int(_need(raw, "start_year", where)), model=str(raw.get("model", "")),
            team=tuple(raw.get("team", [])), team_text=str(raw.get("team_text", "")),
            hours_text=str(raw.get("hours_text", "")), call_types=tuple(_need(raw, "call_types", where)),
            screen_out=screen_out, screening_text=str(raw.get("screening_text", "")),
            source=str(_need(raw, "sources_main", where)), figures=tuple(figures), evaluations=evaluations,
            lessons=str(raw.get("lessons", "")),
        ))
    return PeerCatalogue(version=str(data.get("version", "")), programs=tuple(programs))


def load_peers(path: str | Path | None = None) -> PeerCatalogue:
    """Load the built-in catalogue, or another YAML file in the same shape."""
    if path is None:
        text = resources.files("altresponse.plan").joinpath("peers.yaml").read_text(encoding="utf-8")
        file = "peers.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        file = str(path)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise BadInput("peer catalogue must be a YAML mapping", file=file)
    return peers_from_mapping(data, file=file)
