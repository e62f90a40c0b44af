"""A small classified-calls table with known structure, for plan tests (no pipeline needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from altresponse import schema
from altresponse.profile import Profile

# type -> (category, pathway under screening passed, calls, serious-outcome rate, busy hours)
TYPES: dict[str, tuple[str, str, int, float, float]] = {
    "suicidal_ideation": ("behavioral_health", "crisis_line_988", 900, 0.04, 1.2),
    "behavioral_crisis": ("behavioral_health", "behavioral_health_team", 2500, 0.06, 1.4),
    "welfare_check": ("welfare_assist", "community_responder", 4000, 0.03, 0.8),
    "intoxicated_person": ("behavioral_health", "community_responder", 900, 0.10, 0.9),
    "homeless_person": ("welfare_assist", "homeless_outreach", 700, 0.02, 0.7),
    "verbal_dispute": ("disorder_quality_of_life", "community_responder", 3000, 0.08, 0.9),
    "noise_complaint": ("disorder_quality_of_life", "community_responder", 3500, 0.01, 0.5),
    "trespass": ("disorder_quality_of_life", "community_responder", 600, 0.30, 1.0),
    "panhandling": ("disorder_quality_of_life", "community_responder", 150, 0.05, 0.4),
    "parking_complaint": ("traffic", "311_administrative", 2000, 0.02, 0.4),
    "assault": ("violent_crime", "police", 2500, 0.45, 2.0),
    "burglary": ("property_crime", "police", 1500, 0.6, 1.8),
    "medical_emergency": ("medical", "ems", 1500, 0.01, 0.7),
}
AREAS = (
    "Southwest Baltimore",
    "Sandtown-Winchester/Harlem Park",
    "Greater Rosemont",
    "Roland Park/Guilford",
    "Downtown/Seton Hill",
    "Canton",
    "Midway/Coldstream",
    "Clifton-Berea",
)


def write_classified(
    path: Path,
    *,
    seed: int = 3,
    days: int = 180,
    with_times: bool = True,
    with_areas: bool = True,
    with_outcomes: bool = True,
    scale: float = 1.0,
) -> Path:
    rng = np.random.default_rng(seed)
    rows: dict[str, list] = {c: [] for c in schema.CLASSIFIED_CALLS.names}
    start = datetime(2025, 1, 1, tzinfo=UTC)
    i = 0
    area_w = np.array([3, 3, 2, 0.5, 2, 1, 2, 2.5])
    area_w = area_w / area_w.sum()
    for t, (cat, pw, n, risk, busy) in TYPES.items():
        n = int(n * scale)
        secs = rng.uniform(0, days * 86400, n)
        # daytime-heavy arrivals: resample a third into 10:00-22:00 local (15:00-03:00 UTC)
        serious = rng.random(n) < risk
        for j in range(n):
            i += 1
            ts = start + timedelta(seconds=float(secs[j]))
            if j % 3 == 0:
                ts = ts.replace(hour=int(15 + rng.integers(0, 8)) % 24)
            rows["call_id"].append(f"S{i}")
            rows["agency"].append("TEST")
            rows["source_system"].append("synthetic")
            rows["source_file"].append("synthetic.csv")
            rows["source_line"].append(i + 1)
            rows["received_utc"].append(ts)
            rows["time_zone"].append("America/New_York")
            rows["local_call_type"].append(t.upper())
            rows["priority_raw"].append(None)
            rows["priority_class"].append("medium")
            rows["origin"].append("community_initiated")
            rows["disposition_raw"].append(None)
            rows["disposition_class"].append(
                ("report" if serious[j] else "advised_handled") if with_outcomes else "unknown"
            )
            for col in ("dispatch_utc", "enroute_utc", "arrival_utc", "clear_utc", "close_utc"):
                rows[col].append(None)
            for col in ("dispatch_delay_s", "travel_s", "response_s", "on_scene_s", "total_s"):
                rows[col].append(None)
            rows["unit_busy_s"].append(float(rng.exponential(busy * 3600)) if with_times else None)
            rows["block_address"].append(None)
            rows["latitude"].append(None)
            rows["longitude"].append(None)
            rows["district"].append(None)
            rows["neighborhood"].append(None)
            rows["csa"].append(str(rng.choice(AREAS, p=area_w)) if with_areas else None)
            rows["census_tract"].append(None)
            rows["zip_code"].append(None)
            rows["is_synthetic"].append(True)
            rows["quality_flags"].append(None)
            rows["common_type"].append(t)
            rows["category"].append(cat)
            rows["pathway"].append(pw)
            rows["responder"].append(None)
            rows["rule_ids"].append(None)
            rows["reasons"].append(None)
            rows["protocol_version"].append("test")
    table = pa.table(rows, schema=schema.CLASSIFIED_CALLS.arrow_schema())
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_analysis(folder: Path, profile: Profile, **kwargs: Any) -> Path:
    """Synthetic classified calls and the real landscape stage's results on them, as `analyze` saves them."""
    from altresponse.fsio import write_json_atomic, write_text_atomic
    from altresponse.pipeline.analyze import analyze_classified
    from altresponse.results import LANDSCAPE_FACTS_FILE, LandscapeFacts

    classified = write_classified(folder / "classified.parquet", **kwargs)
    summary = analyze_classified(classified, profile)
    summary["inputs"] = {"calls": classified.name}
    write_json_atomic(folder / "summary.json", summary)
    facts = LandscapeFacts.from_summary(summary, file=str(folder))
    write_text_atomic(folder / LANDSCAPE_FACTS_FILE, facts.model_dump_json())
    return folder
