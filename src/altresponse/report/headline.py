"""The headline panel every page opens with, built from the one `Headline` of the run.

Each figure is written only through `report.format.estimate` (one rounding everywhere), labelled
with `Headline.label(key)` and followed by its source in the words the stage gave it. When the
headline holds figures for two call sets (all eligible calls, and the plan's final phase) both are
shown, each under the words that say which calls it describes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from altresponse.report import format as fmt
from altresponse.results import HEADLINE_KEYS, PLAN_PREFIX, Estimate, Headline

PREFIXES = ("", PLAN_PREFIX)
EMPTY_TEXT = "The headline figures of this run are not available to this page."
DEFAULT_CALL_SET = {
    "": "All calls the protocol sends to an alternative",
    PLAN_PREFIX: "The plan's final phase",
}


@dataclass(frozen=True)
class HeadlineItem:
    key: str
    label: str | Markup
    value: str | Markup
    unit: str
    source: str | Markup


@dataclass(frozen=True)
class HeadlineGroup:
    prefix: str
    call_set: str
    heading: str | Markup
    items: list[HeadlineItem]


def headline_keys(headline: Headline) -> list[str]:
    """The headline's keys in page order: the whole call set first, then the plan's."""
    return [p + k for p in PREFIXES for k in HEADLINE_KEYS if p + k in headline.figures]


def headline_groups(
    headline: Headline,
    value: Callable[[str, Estimate], str | Markup] | None = None,
    words: Callable[[str], str | Markup] | None = None,
) -> list[HeadlineGroup]:
    """Panel groups; `value` may wrap the formatted figure (the plan registers it for provenance)
    and `words` the labels and sources (the plan marks digits in them)."""
    show = value or (lambda _key, est: fmt.estimate(est))
    say = words or (lambda text: text)
    groups = []
    both = all(p in headline.call_sets for p in PREFIXES)
    for prefix in PREFIXES:
        keys = [prefix + k for k in HEADLINE_KEYS if prefix + k in headline.figures]
        if not keys:
            continue
        call_set = headline.call_sets.get(prefix) or DEFAULT_CALL_SET[prefix]
        items = []
        for key in keys:
            est = headline.figures[key]
            items.append(
                HeadlineItem(
                    key=key,
                    label=say(Headline.label(key)),
                    value=show(key, est),
                    unit=fmt.UNIT_WORDS[est.unit],
                    source=say(est.source),
                )
            )
        heading = f"Call set: {call_set}" if both or prefix else call_set
        groups.append(HeadlineGroup(prefix=prefix, call_set=call_set, heading=say(heading), items=items))
    return groups


def headline_text(headline: Headline, key: str) -> str | None:
    """A headline figure as the panel writes it, for a page that repeats it in its body."""
    est = headline.get(key)
    return None if est is None else fmt.estimate(est)
