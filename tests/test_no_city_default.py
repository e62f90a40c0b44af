"""No command or module falls back to a city: a city's name may appear as an adapter, a built-in data
file or a citation, never as a default value."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "altresponse"
# `altresponse demo` and `synth baltimore` are the synthetic Baltimore demo by name, and `fetch
# baltimore` downloads Open Baltimore; there the city is the subject, not a fallback.
NAMED_FOR_THE_CITY = {"commands/demo.py", "commands/synth.py", "commands/fetch.py"}
DEFAULT = re.compile(r"""((?<!name)=\s*|or\s+|default=|Option\(\s*)["'](baltimore|decc|sfpd)["']""", re.I)


def test_no_city_is_a_default_value() -> None:
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in NAMED_FOR_THE_CITY or rel.startswith("synth/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DEFAULT.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == [], "\n".join(found)


def test_a_reference_profile_plan_has_no_baltimore_pilot() -> None:
    """A profile without a pilot gets a plan that says it has none (the pilot is the profile's)."""
    from altresponse.plan.config import plan_config

    cfg = plan_config({}, file=None)
    assert cfg.pilot_types == [] and cfg.pilot_peer is None
