"""The triage protocol as data: questions, safety screens, rules, and the outcomes they lead to.

A protocol is loaded once from YAML and checked hard (unknown questions, unknown pathways, a screen that
could send an unanswered safety question to a less safe pathway, a missing catch-all rule are all load
errors), then compiled into plain lookups so that `decide()` costs a few dict look-ups per call and the
SQL executor can be generated from the very same outcome list.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from altresponse.builtins import builtin_path, read_yaml_mapping, resolve
from altresponse.errors import BadInput
from altresponse.facts import EMERGENCY_PATHWAYS, SAFETY_RANK
from altresponse.schema import CATEGORIES, PATHWAYS

UNKNOWN = "unknown"
PROCEED = "proceed"
# Context questions may let "unknown" keep the rule's pathway; safety questions never may.
CONTEXT_QUESTIONS: frozenset[str] = frozenset({"under_18", "location_type", "intoxication"})
# How much protection a pathway gives on scene (a screen may only move a call up or sideways) and
# which pathways are emergency services: facts defined once in `altresponse.facts`.

_CACHE_LIMIT = 50_000
_MPDS_STRIP = re.compile(r"[^0-9A-Za-z]")


def normalize_mpds(code: str | None) -> str:
    """MPDS determinant key: letters and digits only, upper-case ("25-a-01" -> "25A01"); None -> ""."""
    if code is None:
        return ""
    return _MPDS_STRIP.sub("", code).upper()


@dataclass(frozen=True)
class CallFacts:
    """What the protocol needs to know about a call before any question is asked."""

    common_type: str
    category: str
    mpds_code: str | None = None


@dataclass(frozen=True)
class Decision:
    """Where the call goes, who goes, and which rules and reasons put it there."""

    pathway: str
    responder: str
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    protocol_version: str
    fallbacks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "pathway": self.pathway,
            "responder": self.responder,
            "rule_ids": list(self.rule_ids),
            "reasons": list(self.reasons),
            "protocol_version": self.protocol_version,
            "fallbacks": list(self.fallbacks),
        }


@dataclass(frozen=True)
class Question:
    id: str
    ask: str
    help: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Screen:
    """One question asked for a rule; `route` maps listed answers to the outcome index they lead to."""

    id: str
    question: str
    route: Mapping[str, int]  # answer value -> index into Protocol.outcomes (PROCEED answers absent)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    mpds_codes: frozenset[str] | None
    common_types: frozenset[str] | None
    categories: frozenset[str] | None
    outcome: int  # index into Protocol.outcomes when no screen fires
    screened: bool
    screens: tuple[Screen, ...]  # safety screens first, then the rule's own

    @property
    def steps(self) -> tuple[tuple[str, Mapping[str, int]], ...]:
        """(question id, answer -> outcome index) per screen: the hot loop of `decide()`."""
        return tuple((s.question, s.route) for s in self.screens)

    def matches(self, common_type: str | None, category: str | None, mpds_key: str) -> bool:
        if self.mpds_codes is not None and mpds_key not in self.mpds_codes:
            return False
        if self.common_types is not None and common_type not in self.common_types:
            return False
        return not (self.categories is not None and category not in self.categories)


@dataclass
class Protocol:
    """A loaded, checked and compiled protocol. Build with `load_protocol` or `Protocol.from_dict`."""

    name: str
    base_version: str
    content_hash: str
    title: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    outcomes: tuple[Decision, ...]
    responders: Mapping[str, str]
    fallbacks: Mapping[str, tuple[str, ...]]
    history_scenarios: Mapping[str, Mapping[str, Any]]
    raw: Mapping[str, Any]
    _rule_cache: dict[tuple[str | None, str | None, str], Rule] = field(default_factory=dict, repr=False)
    _mpds_cache: dict[str | None, str] = field(default_factory=dict, repr=False)
    _answer_values: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _plans: dict[tuple[str | None, str | None, str | None], tuple[Any, int]] = field(
        default_factory=dict, repr=False)
    _valid_pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset, repr=False)

    def __post_init__(self) -> None:
        self._valid_pairs = frozenset((q.id, v) for q in self.questions for v in q.values)

    @property
    def valid_pairs(self) -> frozenset[tuple[str, str]]:
        """Every (question id, canonical answer) pair: one C-level subset test validates a call's answers."""
        return self._valid_pairs

    def plan_for(self, common_type: str | None, category: str | None,
                 mpds_code: str | None) -> tuple[tuple[tuple[str, Mapping[str, int]], ...], int]:
        """(screen steps, base outcome index) of the call's rule, cached on the raw call facts."""
        key = (common_type, category, mpds_code)
        plan = self._plans.get(key)
        if plan is None:
            rule = self.rule_for(common_type, category, mpds_code)
            plan = (rule.steps, rule.outcome)
            if len(self._plans) >= _CACHE_LIMIT:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    @property
    def answer_values(self) -> dict[str, frozenset[str]]:
        """Allowed answers per question id (cached)."""
        cached = self._answer_values
        if not cached:
            cached.update({q.id: frozenset(q.values) for q in self.questions})
        return cached

    @property
    def version(self) -> str:
        """Human-facing identity: "<name>-<version>+<hash8>"."""
        return f"{self.name}-{self.base_version}+{self.content_hash[:8]}"

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def rule_for(self, common_type: str | None, category: str | None, mpds_code: str | None) -> Rule:
        """The first rule that matches (cached: there are few distinct type/category/code triples)."""
        mpds_key = self._mpds_cache.get(mpds_code)
        if mpds_key is None:
            mpds_key = normalize_mpds(mpds_code)
            if len(self._mpds_cache) >= _CACHE_LIMIT:  # bounded: live input may be arbitrary text
                self._mpds_cache.clear()
            self._mpds_cache[mpds_code] = mpds_key
        key = (common_type, category, mpds_key)
        rule = self._rule_cache.get(key)
        if rule is None:
            rule = next(r for r in self.rules if r.matches(common_type, category, mpds_key))
            if len(self._rule_cache) >= _CACHE_LIMIT:
                self._rule_cache.clear()
            self._rule_cache[key] = rule
        return rule

    def type_ids(self) -> set[str]:
        """Every common incident type id the rules name (checked against the taxonomy catalogue)."""
        out: set[str] = set()
        for r in self.rules:
            out |= set(r.common_types or ())
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<protocol>") -> Protocol:
        return _compile(data, source)


def canonical_yaml(data: Any) -> str:
    """The canonical text whose sha256 is the protocol's identity (comments and layout do not count)."""
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False, width=10_000)


def content_hash(data: Any) -> str:
    return hashlib.sha256(canonical_yaml(data).encode("utf-8")).hexdigest()


def builtin_protocol_path(name: str) -> Path:
    return builtin_path("altresponse.protocol", name, ".yaml")


def load_protocol(name_or_path: str | Path) -> Protocol:
    """Load a protocol by built-in name (``baltimore``) or by path to a YAML file, and check it."""
    path = resolve(name_or_path, package="altresponse.protocol", suffixes=(".yaml", ".yml"), kind="protocol")
    data = read_yaml_mapping(path, "protocol")
    return _compile(data, str(path))


# --- compilation -------------------------------------------------------------------------------------


def _req(d: Mapping[str, Any], key: str, where: str, source: str) -> Any:
    if key not in d:
        raise BadInput(f"{where}: missing required key {key!r}", file=source)
    return d[key]


def _str_list(value: Any, where: str, source: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise BadInput(f"{where}: expected a non-empty list of strings", file=source)
    return frozenset(str(v) for v in value)


def _compile(data: Mapping[str, Any], source: str) -> Protocol:
    name = str(_req(data, "name", "protocol", source))
    base_version = str(_req(data, "version", "protocol", source))
    digest = content_hash(data)
    version = f"{name}-{base_version}+{digest[:8]}"

    questions: list[Question] = []
    for i, q in enumerate(_req(data, "questions", "protocol", source)):
        where = f"questions[{i}]"
        values = tuple(str(v) for v in _req(q, "values", where, source))
        if UNKNOWN not in values:
            raise BadInput(f"{where}: values must include {UNKNOWN!r}", file=source)
        questions.append(Question(str(_req(q, "id", where, source)), str(_req(q, "ask", where, source)),
                                  str(q.get("help", "")), values))
    qmap = {q.id: q for q in questions}
    if len(qmap) != len(questions):
        raise BadInput("questions: duplicate question id", file=source)

    responders = {str(k): str(v) for k, v in _req(data, "responders", "protocol", source).items()}
    fallbacks = {str(k): tuple(str(x) for x in (v or ())) for k, v in
                 _req(data, "fallbacks", "protocol", source).items()}
    for p in PATHWAYS:
        if p not in responders:
            raise BadInput(f"responders: no default responder for pathway {p!r}", file=source)
        if p not in fallbacks:
            raise BadInput(f"fallbacks: no fallback list for pathway {p!r}", file=source)
        chain = fallbacks[p]
        for f in chain:
            if f not in PATHWAYS:
                raise BadInput(f"fallbacks.{p}: unknown pathway {f!r}", file=source)
        if p not in EMERGENCY_PATHWAYS and (not chain or chain[-1] not in EMERGENCY_PATHWAYS):
            raise BadInput(f"fallbacks.{p}: must end with police, ems or fire so no call is left without "
                           "a responder", file=source)

    outcomes: list[Decision] = []
    index: dict[Decision, int] = {}

    def outcome(d: Decision) -> int:
        if d not in index:
            index[d] = len(outcomes)
            outcomes.append(d)
        return index[d]

    def target(t: Mapping[str, Any], where: str) -> tuple[str, str, str]:
        pathway = str(_req(t, "pathway", where, source))
        reason = str(_req(t, "reason", where, source))
        if ";" in reason:
            raise BadInput(f"{where}: a reason may not contain ';' (reasons are ';'-joined in tables)",
                           file=source)
        if pathway != PROCEED and pathway not in PATHWAYS:
            raise BadInput(f"{where}: unknown pathway {pathway!r} (expected one of {', '.join(PATHWAYS)})",
                           file=source)
        responder = str(t.get("responder") or responders.get(pathway, ""))
        return pathway, responder, reason

    def parse_screens(items: list[Any], where0: str, safety: bool) -> list[tuple[str, str, dict[str, Any]]]:
        out = []
        for i, s in enumerate(items or []):
            where = f"{where0}[{i}]"
            sid = str(_req(s, "id", where, source))
            qid = str(_req(s, "question", where, source))
            if qid not in qmap:
                raise BadInput(f"{where}: unknown question {qid!r}", file=source)
            route = _req(s, "route", where, source)
            if UNKNOWN not in route:
                raise BadInput(f"{where}: must say where an unknown answer goes", file=source)
            for value, t in route.items():
                if str(value) not in qmap[qid].values:
                    raise BadInput(f"{where}: answer {value!r} is not a value of question {qid!r}",
                                   file=source)
                p = str(_req(t, "pathway", f"{where}.route.{value}", source))
                if p == PROCEED and (safety or qid not in CONTEXT_QUESTIONS or str(value) != UNKNOWN):
                    raise BadInput(f"{where}: only an unknown answer to a context question "
                                   f"({', '.join(sorted(CONTEXT_QUESTIONS))}) may proceed", file=source)
            out.append((sid, qid, route))
        return out

    safety = parse_screens(data.get("safety_screens") or [], "safety_screens", True)

    rules: list[Rule] = []
    seen_ids: set[str] = set()
    for i, r in enumerate(_req(data, "rules", "protocol", source)):
        where = f"rules[{i}]"
        rid = str(_req(r, "id", where, source))
        if rid in seen_ids:
            raise BadInput(f"{where}: duplicate rule id {rid!r}", file=source)
        seen_ids.add(rid)
        match = r.get("match") or {}
        extra = set(match) - {"mpds_codes", "common_types", "categories"}
        if extra:
            raise BadInput(f"{where}.match: unknown keys {sorted(extra)}", file=source)
        cats = _str_list(match.get("categories"), f"{where}.match.categories", source)
        if cats is not None and not cats <= set(CATEGORIES) | {"unmapped"}:
            raise BadInput(f"{where}.match.categories: unknown {sorted(cats - set(CATEGORIES))}", file=source)
        mpds = _str_list(match.get("mpds_codes"), f"{where}.match.mpds_codes", source)
        if mpds is not None:
            mpds = frozenset(normalize_mpds(c) for c in mpds)
        types = _str_list(match.get("common_types"), f"{where}.match.common_types", source)
        pathway, responder, reason = target(r, where)
        if pathway == PROCEED:
            raise BadInput(f"{where}: a rule needs a real pathway", file=source)
        rule_fallbacks = fallbacks[pathway]
        base = outcome(Decision(pathway, responder, (rid,), (reason,), version, rule_fallbacks))
        screened = bool(r.get("screened", pathway not in EMERGENCY_PATHWAYS))
        own = parse_screens(r.get("screens") or [], f"{where}.screens", False)
        compiled: list[Screen] = []
        for sid, qid, route in ([*safety, *own] if screened else own):
            routed: dict[str, int] = {}
            for value, t in route.items():
                tp, tr, treason = target(t, f"{where}/{sid}.route.{value}")
                if tp == PROCEED:
                    continue
                if SAFETY_RANK[tp] < SAFETY_RANK[pathway]:
                    raise BadInput(f"{where}/{sid}: answer {value!r} would move the call from {pathway!r} to "
                                   f"the less protective {tp!r}", file=source)
                routed[str(value)] = outcome(Decision(tp, tr, (rid, f"{sid}.{value}"), (reason, treason),
                                                      version, fallbacks[tp]))
            compiled.append(Screen(sid, qid, routed))
        rules.append(Rule(rid, str(r.get("title", rid)), mpds, types, cats, base, screened, tuple(compiled)))
    if not rules or rules[-1].mpds_codes is not None or rules[-1].common_types is not None \
            or rules[-1].categories is not None:
        raise BadInput("rules: the last rule must match every call (match: {}) so no call is left without a "
                       "pathway", file=source)

    scenarios = data.get("history_scenarios") or {}
    for sname, sc in scenarios.items():
        for qid, v in (sc.get("answers") or {}).items():
            if qid not in qmap or str(v) not in qmap[qid].values:
                raise BadInput(f"history_scenarios.{sname}: bad answer {qid}={v!r}", file=source)

    return Protocol(
        name=name,
        base_version=base_version,
        content_hash=digest,
        title=str(data.get("title", name)),
        questions=tuple(questions),
        rules=tuple(rules),
        outcomes=tuple(outcomes),
        responders=responders,
        fallbacks=fallbacks,
        history_scenarios=scenarios,
        raw=data,
    )
