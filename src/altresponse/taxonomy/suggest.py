"""Suggest a common type for a local call-type string the crosswalk does not know.

Three sources of evidence, cheapest first:
1. MPDS-style codes ("25A01", "10-D-1") name the chief-complaint protocol directly;
2. keyword rules over the text after abbreviation expansion ("SUSP VEH" -> "SUSPICIOUS VEHICLE") and
   suffix stripping ("CHEST PAIN CHARLIE", "FALL BLS", "... IN PROG", "... DELAY");
3. string similarity (rapidfuzz) against every spelling already reviewed in the known crosswalks and
   the catalogue's own names.
A suggestion is only a proposal with a confidence: it is written into a crosswalk only when a
person accepts it (`altresponse taxonomy accept`), never applied silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from altresponse.errors import BadInput
from altresponse.taxonomy.catalogue import UNMAPPED, Catalogue, builtin_path, load_catalogue
from altresponse.taxonomy.crosswalk import Crosswalk, load_crosswalk, normalize_local_type

# The vocabulary (abbreviations, suffix words, MPDS protocols, statute sections, keyword rules, danger
# terms) is data, in vocabulary.yaml beside this file; nothing of it is written in code.


@dataclass(frozen=True)
class DangerTerm:
    """A word family that keeps a suggestion at police, fire or EMS (violence, weapon, injury, abuse...)."""

    kind: str
    type_id: str | None
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None

    def matches(self, expanded: str) -> bool:
        return bool(self.pattern.search(expanded)) and not (self.unless and self.unless.search(expanded))


@dataclass(frozen=True)
class Vocabulary:
    """Every table the suggester matches with, read from a YAML file."""

    version: str
    abbreviations: dict[str, str]
    suffix_words: frozenset[str]
    mpds_protocols: dict[int, str]
    statute_sections: dict[str, str]
    keyword_rules: tuple[tuple[str, str], ...]
    danger_terms: tuple[DangerTerm, ...]

    @classmethod
    def from_yaml(cls, path: str | Path) -> Vocabulary:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise BadInput(f"cannot read the suggester vocabulary: {exc}", file=str(path)) from exc
        try:
            return cls(
                version=str(data.get("version", "unversioned")),
                abbreviations={str(k): str(v) for k, v in data["abbreviations"].items()},
                suffix_words=frozenset(str(w) for w in data["suffix_words"]),
                mpds_protocols={int(k): str(v) for k, v in data["mpds_protocols"].items()},
                statute_sections={str(k): str(v) for k, v in data["statute_sections"].items()},
                keyword_rules=tuple((str(r["pattern"]), str(r["type"])) for r in data["keyword_rules"]),
                danger_terms=tuple(
                    DangerTerm(str(d["kind"]), None if d.get("type") is None else str(d["type"]),
                               re.compile(str(d["pattern"])),
                               re.compile(str(d["unless"])) if d.get("unless") else None)
                    for d in data.get("danger_terms") or []),
            )
        except (KeyError, TypeError, AttributeError, re.error) as exc:
            raise BadInput(f"suggester vocabulary is malformed: {exc!r}", file=str(path)) from exc

    def check(self, catalogue: Catalogue) -> None:
        """Every type the vocabulary names must exist in the catalogue (fails loudly at load)."""
        named = [t for _, t in self.keyword_rules] + list(self.mpds_protocols.values()) + list(
            self.statute_sections.values()) + [d.type_id for d in self.danger_terms if d.type_id]
        unknown = sorted({t for t in named if t not in catalogue})
        if unknown:
            raise BadInput(f"the suggester vocabulary names unknown common types {unknown}")


@lru_cache(maxsize=2)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    vocab = Vocabulary.from_yaml(path or builtin_path("vocabulary.yaml"))
    vocab.check(load_catalogue())
    return vocab


VOCABULARY = load_vocabulary()
ABBREVIATIONS: dict[str, str] = VOCABULARY.abbreviations
_SUFFIX_WORDS = VOCABULARY.suffix_words
_MPDS_PROTOCOL: dict[int, str] = VOCABULARY.mpds_protocols
KEYWORD_RULES: tuple[tuple[str, str], ...] = VOCABULARY.keyword_rules
STATUTE_SECTIONS: dict[str, str] = VOCABULARY.statute_sections
DANGER_TERMS: tuple[DangerTerm, ...] = VOCABULARY.danger_terms
_MPDS_CODE = re.compile(r"\b(\d{1,2})\s*-?\s*([ABCDEO])\s*-?\s*(\d{1,2})([A-Z])?\b")
_COMPILED_RULES = tuple((re.compile(p), t) for p, t in KEYWORD_RULES)
_STATUTE = re.compile(r"^(?:POSS\s*|ATT\s*|PC\s*|VC\s*)?(\d{3,5}(?:\.\d)?[A-Z]?)\b")


def statute_type(text: str) -> str | None:
    """Common type from a leading statute section ("459", "647f", "22500e", "PC 245")."""
    match = _STATUTE.match(normalize_local_type(text))
    if not match:
        return None
    section = match.group(1)
    for candidate in (section, section.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")):
        if candidate in STATUTE_SECTIONS:
            return STATUTE_SECTIONS[candidate]
    return None


@dataclass(frozen=True)
class Suggestion:
    """A proposed mapping for one local call type, with how sure we are and why.

    `reason` says in words where the proposal comes from and what lowered its confidence (another
    agency uses the string otherwise, a danger word kept it at police); `safety` names the danger kind
    (violence, weapon, injury, abuse, in_progress) when one shaped the proposal.
    """

    text: str
    common_type: str
    category: str
    pathway: str
    confidence: float
    method: str
    matched: str = ""
    reason: str = ""
    safety: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Clauses that say what a call type is *not*: "(EXCEPT ABANDONED CAR)", "(DOES NOT INCLUDE SHOPLIFT)",
# "- NOT DV", "- NO BIAS OR THREATS". Their words must not trigger keyword rules.
_EXCLUSION_PAREN = re.compile(r"\(\s*(?:EXCEPT|EXCL\w*|DOES NOT|DOESN'T|NOT|NO|OTHER THAN)\b[^)]*\)?")
_EXCLUSION_DASH = re.compile(r"\s-\s*(?:NOT|NO|EXCEPT)\s[^-()]*")


_EXCLUSION_WORDS = re.compile(r"\b(?:NO|NON|WITHOUT|W/O)\s+(?:WEAPONS?|WPNS?|GUNS?|KNIFE|INJURY|INJURIES)\b")


def drop_exclusions(key: str) -> str:
    """Remove negated clauses from a normalized call type before matching ("FIGHT NO WEAPON")."""
    key = _EXCLUSION_WORDS.sub(" ", key)
    return _EXCLUSION_DASH.sub(" ", _EXCLUSION_PAREN.sub(" ", key)).strip()


def expand(text: str) -> str:
    """Normalized text with punctuation split off and abbreviations expanded, for matching only."""
    key = normalize_local_type(text)
    key = re.sub(r"[*#]+", " ", key)
    key = key.replace("W/", "WITH ").replace("F/", "FROM ").replace("B&E", "BURGLARY")
    key = re.sub(r"\bHAZ\s*MAT\b", "HAZMAT", key)
    key = re.sub(r"\bH\s*&\s*R\b|\bHIT\s*/\s*RUN\b|\bHIT\s*&\s*RUN\b", "HIT AND RUN", key)
    key = drop_exclusions(key)
    tokens = re.split(r"[\s/\-,.;:()\[\]]+", key)
    out = [ABBREVIATIONS.get(tok, tok) for tok in tokens if tok]
    return " ".join(out)


def strip_suffixes(expanded: str) -> str:
    """Drop MPDS determinants, response levels and timing words ("ALS 1", "CHARLIE", "IN PROG", "DELAY")."""
    text = _MPDS_CODE.sub(" ", expanded)
    words = [w for w in text.split() if w not in _SUFFIX_WORDS and not re.fullmatch(r"\d{1,2}", w)]
    text = " ".join(words)
    text = re.sub(r"\bIN\s*$", "", text).strip()
    return text or expanded


def _similarity(a: str, b: str, **_: object) -> float:
    """Mostly whole-string similarity; token-set overlap counts for a third, so a short word does not
    score 100 against every long name that happens to contain it."""
    return (2.0 * fuzz.ratio(a, b) + fuzz.token_set_ratio(a, b)) / 3.0


def mpds_type(text: str) -> str | None:
    """Common type from an MPDS-style code (protocol number + determinant level), if the text carries one."""
    match = _MPDS_CODE.search(normalize_local_type(text))
    if not match:
        return None
    return _MPDS_PROTOCOL.get(int(match.group(1)))


def keyword_type(clean: str) -> str | None:
    for pattern, type_id in _COMPILED_RULES:
        if pattern.search(clean):
            return type_id
    return None


MIN_SIMILARITY = 0.62
"""Below this similarity (and with no rule or code) the suggester says `unmapped` rather than guess."""


def danger_in(expanded: str) -> DangerTerm | None:
    """The first danger term an expanded call type names (violence, weapon, abuse, injury, in progress)."""
    for term in DANGER_TERMS:
        if term.matches(expanded):
            return term
    return None


AMBIGUOUS_CONFIDENCE = 0.3
"""Confidence of a spelling that reviewed agencies (or their spelling and the rules) read differently."""


class Suggester:
    """Proposes common types for unseen local call types from reviewed examples, rules and codes.

    Examples are (text, common type) or (text, common type, agency) tuples. A spelling another agency
    reviewed is strong evidence, not certainty: when agencies (or the agency and the keyword rules) put
    the same words in different categories, the suggestion says so and its confidence drops to
    `AMBIGUOUS_CONFIDENCE`. A string that names violence, weapons, injury, abuse of a child or elder,
    or a crime in progress is never proposed for a type that could go to a pathway without police.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        examples: Iterable[tuple[str, str] | tuple[str, str, str]],
        use_rules: bool = True,
        use_similarity: bool = True,
        use_safety: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.use_rules = use_rules
        self.use_similarity = use_similarity
        self.use_safety = use_safety
        knowledge: dict[str, str] = {}
        for t in catalogue:
            knowledge.setdefault(strip_suffixes(expand(t.name)), t.id)
            knowledge.setdefault(strip_suffixes(expand(t.id.replace("_", " "))), t.id)
        self._exact: dict[str, str] = {}
        self._exact_from: dict[str, str] = {}
        # Stripped, expanded form -> {agency: type}: the same words read differently by two agencies.
        self._readings: dict[str, dict[str, str]] = {}
        for example in examples:
            text, type_id = example[0], example[1]
            agency = example[2] if len(example) > 2 else "reviewed examples"
            if type_id == UNMAPPED or type_id not in catalogue:
                continue
            key = normalize_local_type(text)
            self._exact.setdefault(key, type_id)
            self._exact_from.setdefault(key, agency)
            clean = strip_suffixes(expand(text))
            knowledge.setdefault(clean, type_id)
            self._readings.setdefault(clean, {}).setdefault(agency, type_id)
        self._choices = list(knowledge)
        self._types = [knowledge[c] for c in self._choices]

    @classmethod
    def from_crosswalks(
        cls,
        crosswalks: Sequence[Crosswalk | str],
        catalogue: Catalogue | None = None,
        use_rules: bool = True,
        use_similarity: bool = True,
        use_safety: bool = True,
    ) -> Suggester:
        cat = catalogue or load_catalogue()
        loaded = [load_crosswalk(x) if isinstance(x, str) else x for x in crosswalks]
        examples = [(e.local_call_type, e.common_type, xw.name) for xw in loaded for e in xw.entries]
        return cls(cat, examples, use_rules=use_rules, use_similarity=use_similarity, use_safety=use_safety)

    def _make(self, text: str, type_id: str, confidence: float, method: str, matched: str = "",
              reason: str = "", safety: str = "") -> Suggestion:
        if type_id == UNMAPPED:
            return Suggestion(text, UNMAPPED, UNMAPPED, "police", round(confidence, 3), method, matched,
                              reason, safety)
        t = self.catalogue.get(type_id)
        return Suggestion(text, t.id, t.category, t.default_responder, round(confidence, 3), method, matched,
                          reason, safety)

    def _conflict(self, clean: str, type_id: str, rule: str | None) -> str:
        """Why the reviewed readings of these words disagree (empty when they agree)."""
        readings = self._readings.get(clean, {})
        cats = {self.catalogue.category_of(t) for t in readings.values()}
        if len(cats) > 1:
            shown = "; ".join(f"{t} at {a}" for a, t in sorted(readings.items()))
            return f"agencies read these words differently ({shown})"
        if rule is not None and self.catalogue.category_of(rule) != self.catalogue.category_of(type_id):
            agency = next(iter(readings), "another agency")
            return (f"{agency} uses it for {type_id} ({self.catalogue.category_of(type_id)}), but the words "
                    f"read as {rule} ({self.catalogue.category_of(rule)})")
        return ""

    def _raw(self, text: str) -> Suggestion:
        """The best proposal from codes, examples, rules and similarity, before the safety rules."""
        key = normalize_local_type(text)
        if not key:
            return self._make(text, UNMAPPED, 0.0, "empty", reason="empty call type")
        clean = strip_suffixes(expand(text))
        rule = (keyword_type(clean) or keyword_type(expand(text))) if self.use_rules else None
        if rule is None and self.use_rules and re.search(r"\b(ALS|BLS)\b", key):
            rule = "medical_emergency"  # a medical response level with no complaint named
        if key in self._exact:
            type_id = self._exact[key]
            agency = self._exact_from[key]
            conflict = self._conflict(clean, type_id, rule)
            if conflict:
                return self._make(text, type_id, AMBIGUOUS_CONFIDENCE, "known", key,
                                  f"ambiguous: {conflict}; a person must decide")
            return self._make(text, type_id, 1.0, "known", key, f"the same spelling is reviewed at {agency}")
        code = (mpds_type(text) or statute_type(text)) if self.use_rules else None
        best: tuple[str, float, str] | None = None
        if self.use_similarity and self._choices:
            top = process.extractOne(clean, self._choices, scorer=_similarity)
            if top is not None:
                best = (self._types[top[2]], float(top[1]) / 100.0, str(top[0]))
        if code:
            agree = best is not None and best[0] == code
            return self._make(text, code, 0.95 if agree else 0.85, "code",
                              reason=f"MPDS or statute code names {code}")
        if best is not None and best[1] >= 0.97:
            conflict = self._conflict(best[2], best[0], rule)
            confidence = min(0.99, 0.9 * best[1] + (0.08 if rule == best[0] else 0.0))
            if conflict:
                return self._make(text, best[0], AMBIGUOUS_CONFIDENCE, "similarity", best[2],
                                  f"ambiguous: {conflict}; a person must decide")
            return self._make(text, best[0], confidence, "similarity", best[2],
                              f"nearly the same as reviewed {best[2]!r}")
        if rule:
            if best is not None and best[0] == rule:
                return self._make(text, rule, min(0.95, 0.75 + 0.2 * best[1]), "keyword+similarity", best[2],
                                  f"keyword rule and reviewed {best[2]!r} agree")
            return self._make(text, rule, 0.7, "keyword", reason=f"keyword rule for {rule}")
        if best is not None and best[1] >= MIN_SIMILARITY:
            return self._make(text, best[0], 0.8 * best[1] - 0.1, "similarity", best[2],
                              f"resembles reviewed {best[2]!r} ({best[1]:.2f})")
        return self._make(text, UNMAPPED, 0.0, "none", reason="no rule, code or similar reviewed spelling")

    def suggest(self, text: str) -> Suggestion:
        """Best proposal for one local call type; `unmapped` with confidence 0 when nothing fits.

        The safety rules run last and win: a string naming violence, weapons, injury, abuse of a child
        or elder is moved to its danger term's type when the proposal could go to a pathway without
        police; one naming a crime in progress keeps its type but at most 0.5 confidence and police.
        """
        s = self._raw(text)
        if not self.use_safety:
            return s
        term = danger_in(expand(text))
        if term is None:
            return s
        lowers = s.common_type != UNMAPPED and self.catalogue.get(s.common_type).allows_alternative
        if term.type_id is None:  # a crime in progress: no type of its own
            if not lowers:
                return s
            return Suggestion(s.text, s.common_type, s.category, "police", min(s.confidence, 0.5), s.method,
                              s.matched, f"{s.reason}; names a crime in progress, so police until a person "
                              "decides otherwise", term.kind)
        if s.common_type != UNMAPPED and not lowers:
            return s
        was = "nothing fitted" if s.common_type == UNMAPPED else f"{s.common_type} could go without police"
        target = self.catalogue.get(term.type_id)
        return self._make(text, target.id, 0.6, "safety", s.matched,
                          f"names {term.kind} ({was}); kept at {target.default_responder}", term.kind)

    def suggest_many(self, texts: Iterable[str]) -> list[Suggestion]:
        return [self.suggest(t) for t in texts]

    @staticmethod
    def suggestion_from_dict(item: Mapping[str, object]) -> Suggestion:
        """A suggestion as `as_dict` wrote it (missing optional fields empty)."""
        def text(name: str) -> str:
            return str(item.get(name) or "")

        return Suggestion(text("text"), text("common_type"), text("category"), text("pathway"),
                          float(str(item.get("confidence") or 0.0)), text("method") or "suggest",
                          text("matched"), text("reason"), text("safety"))


CONFIDENCE_BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01))


@dataclass(frozen=True)
class HoldoutResult:
    """Accuracy of suggestions for one agency's reviewed vocabulary, learnt without that agency.

    Unweighted figures count each distinct call type once. Weighted figures (when row counts are given)
    count calls, which is what coverage means to a city. `by_confidence` shows whether the stated
    confidence can be trusted: accuracy per confidence band, distinct call types.
    """

    held_out: str
    known_from: tuple[str, ...]
    n: int
    type_accuracy: float
    category_accuracy: float
    unmapped: int
    rows: int | None = None
    weighted_type_accuracy: float | None = None
    weighted_category_accuracy: float | None = None
    by_confidence: tuple[dict[str, float], ...] = ()
    dangerous: int = 0
    dangerous_lowered: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def holdout_evaluation(
    crosswalks: Sequence[Crosswalk],
    held_out: str,
    catalogue: Catalogue | None = None,
    use_rules: bool = True,
    use_similarity: bool = True,
    row_counts: Mapping[str, int] | None = None,
) -> HoldoutResult:
    """Build the suggester from every crosswalk except `held_out`, then score it on `held_out`'s entries.

    Each distinct key of the held-out crosswalk counts once; the reviewed mapping is the truth.
    `row_counts` (calls per local call type, any spelling) adds call-weighted accuracy.
    """
    cat = catalogue or load_catalogue()
    known = [x for x in crosswalks if x.name != held_out]
    target = next(x for x in crosswalks if x.name == held_out)
    suggester = Suggester.from_crosswalks(known, cat, use_rules=use_rules, use_similarity=use_similarity)
    weights: dict[str, int] = {}
    for text, count in (row_counts or {}).items():
        key = normalize_local_type(text)
        weights[key] = weights.get(key, 0) + int(count)
    n = type_hits = cat_hits = misses = 0
    w_total = w_type = w_cat = 0
    bands = [[0, 0] for _ in CONFIDENCE_BANDS]
    dangerous = 0
    lowered: list[str] = []
    for entry in target:
        s = suggester.suggest(entry.local_call_type)
        term = danger_in(expand(entry.local_call_type))
        if cat.category_of(entry.common_type) == "violent_crime" or (
                term is not None and term.kind in ("violence", "weapon")):
            dangerous += 1
            if s.common_type != UNMAPPED and cat.get(s.common_type).allows_alternative:
                lowered.append(entry.local_call_type)
        type_ok = s.common_type == entry.common_type
        cat_ok = s.category == cat.category_of(entry.common_type)
        n += 1
        type_hits += type_ok
        cat_hits += cat_ok
        misses += s.common_type == UNMAPPED
        w = weights.get(entry.key, 0)
        w_total += w
        w_type += w * type_ok
        w_cat += w * cat_ok
        for i, (lo, hi) in enumerate(CONFIDENCE_BANDS):
            if lo <= s.confidence < hi:
                bands[i][0] += 1
                bands[i][1] += type_ok
    by_conf = tuple(
        {"low": lo, "high": min(hi, 1.0), "n": float(b[0]), "type_accuracy": b[1] / b[0] if b[0] else 0.0}
        for (lo, hi), b in zip(CONFIDENCE_BANDS, bands, strict=True)
    )
    weighted = row_counts is not None and w_total > 0
    return HoldoutResult(
        held_out,
        tuple(x.name for x in known),
        n,
        type_hits / n if n else 0.0,
        cat_hits / n if n else 0.0,
        misses,
        rows=w_total if row_counts is not None else None,
        weighted_type_accuracy=w_type / w_total if weighted else None,
        weighted_category_accuracy=w_cat / w_total if weighted else None,
        by_confidence=by_conf,
        dangerous=dangerous,
        dangerous_lowered=tuple(lowered),
    )
