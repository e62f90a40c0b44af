"""The plan's targets and go/no-go gates, evaluated against measured figures to computed verdicts.

Constructed from the plan's JSON (`plan.json`: `monitoring[].targets` per phase and
`phases[].entry_gates / exit_gates`), so a phase gate is a verdict with its evidence rather than a
judgement call: met, not met, or not enough data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from altresponse.errors import BadInput
from altresponse.monitor.intervals import SMALL_COUNT, Estimate

MET, NOT_MET, NO_DATA = "met", "not met", "not enough data"
OPS = (">=", "<=", ">", "<")
# Count figures whose base is not the count itself: a zero-injury count means little on ten calls.
EXPOSURE_OF = {"safety_incidents": "reached_calls"}


@dataclass(frozen=True)
class GateCriterion:
    metric: str
    op: str
    threshold: float
    source: str = ""

    def holds(self, value: float) -> bool:
        return {
            ">=": value >= self.threshold,
            "<=": value <= self.threshold,
            ">": value > self.threshold,
            "<": value < self.threshold,
        }[self.op]


@dataclass(frozen=True)
class PhaseGates:
    index: int
    name: str
    entry: tuple[GateCriterion, ...] = ()
    exit: tuple[GateCriterion, ...] = ()
    min_months: float = 0.0


@dataclass(frozen=True)
class MetricTarget:
    metric: str
    name: str
    direction: str  # higher | lower | monitor
    targets: tuple[float, ...] = ()  # one per phase

    def target_for(self, phase: int) -> float | None:
        return self.targets[phase - 1] if 0 < phase <= len(self.targets) else None


@dataclass(frozen=True)
class PlanTargets:
    """What the plan promised: per-phase targets for its measures and the gates between phases."""

    metrics: tuple[MetricTarget, ...]
    phases: tuple[PhaseGates, ...]
    min_n: int = SMALL_COUNT

    @classmethod
    def from_plan_json(cls, plan: Mapping[str, Any]) -> PlanTargets:
        """Read today's plan.json (or its `monitoring` + `phases` keys); fail loudly on a bad gate."""
        metrics = []
        for m in plan.get("monitoring") or []:
            t = m.get("targets") or []
            metrics.append(
                MetricTarget(
                    str(m["id"]),
                    str(m.get("name", m["id"])),
                    str(m.get("direction", "monitor")),
                    tuple(float(x) for x in t),
                )
            )
        phases = []
        for ph in plan.get("phases") or []:

            def gates(key: str, ph: Mapping[str, Any] = ph) -> tuple[GateCriterion, ...]:
                out = []
                for g in ph.get(key) or []:
                    if g.get("op") not in OPS:
                        raise BadInput(
                            f"plan phase {ph.get('index')} {key}: operator {g.get('op')!r} "
                            f"(expected one of {', '.join(OPS)})"
                        )
                    out.append(
                        GateCriterion(
                            str(g["metric"]), str(g["op"]), float(g["threshold"]), str(g.get("source", ""))
                        )
                    )
                return tuple(out)

            phases.append(
                PhaseGates(
                    int(ph["index"]),
                    str(ph.get("name", "")),
                    gates("entry_gates"),
                    gates("exit_gates"),
                    float(ph.get("min_months") or 0),
                )
            )
        return cls(tuple(metrics), tuple(phases))

    def phase(self, index: int) -> PhaseGates:
        for p in self.phases:
            if p.index == index:
                return p
        raise BadInput(f"the plan has no phase {index} (phases: {[p.index for p in self.phases]})")


@dataclass(frozen=True)
class Verdict:
    metric: str
    op: str
    threshold: float
    verdict: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    evidence: str
    source: str = ""
    confident: bool = False  # the whole interval is on the same side as the point

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class GateVerdict:
    phase: int
    kind: str  # entry | exit
    verdict: str  # go | no-go | not enough data
    criteria: tuple[Verdict, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "kind": self.kind,
            "verdict": self.verdict,
            "criteria": [c.to_dict() for c in self.criteria],
        }


def judge(
    metric: str,
    op: str,
    threshold: float,
    est: Estimate | None,
    *,
    source: str = "",
    min_n: int = SMALL_COUNT,
    exposure: int | None = None,
) -> Verdict:
    """Met / not met / not enough data for one criterion, with the evidence in words."""
    crit = GateCriterion(metric, op, threshold, source)
    base = exposure if exposure is not None else (est.n if est else 0)
    if est is None or est.value is None:
        return Verdict(
            metric, op, threshold, NO_DATA, None, None, None, 0, "not measured in this period", source
        )
    if base < min_n:
        return Verdict(
            metric,
            op,
            threshold,
            NO_DATA,
            est.value,
            est.low,
            est.high,
            base,
            f"{base} records, fewer than the {min_n} needed",
            source,
        )
    ok = crit.holds(est.value)
    confident = False
    if est.low is not None and est.high is not None:
        confident = crit.holds(est.low) == ok and crit.holds(est.high) == ok
    interval = (
        f" (95% interval {est.low:.3g}–{est.high:.3g})"
        if est.low is not None and est.high is not None
        else ""
    )
    evidence = f"{est.value:.3g}{interval} {op} {threshold:g}: {'holds' if ok else 'fails'} on {base} records"
    return Verdict(
        metric,
        op,
        threshold,
        MET if ok else NOT_MET,
        est.value,
        est.low,
        est.high,
        base,
        evidence,
        source,
        confident,
    )


def _combine(verdicts: Sequence[Verdict]) -> str:
    if any(v.verdict == NOT_MET for v in verdicts):
        return "no-go"
    if verdicts and all(v.verdict == MET for v in verdicts):
        return "go"
    return NO_DATA if verdicts else "go"


def evaluate_gate(plan: PlanTargets, phase: int, kind: str, figures: Mapping[str, Estimate]) -> GateVerdict:
    """Evaluate one phase's entry or exit gate on the figures (measures plus tracker-derived ones)."""
    gates = plan.phase(phase)
    criteria = gates.entry if kind == "entry" else gates.exit
    verdicts = []
    for c in criteria:
        est = figures.get(c.metric)
        exposure_key = EXPOSURE_OF.get(c.metric)
        exposure = figures[exposure_key].n if exposure_key and exposure_key in figures else None
        # readiness figures (trained share, agreements signed) are facts, not samples
        min_n = plan.min_n if c.metric not in READINESS else 1
        verdicts.append(
            judge(c.metric, c.op, c.threshold, est, source=c.source, min_n=min_n, exposure=exposure)
        )
    return GateVerdict(phase, kind, _combine(verdicts), tuple(verdicts))


READINESS = frozenset({"call_takers_trained_share", "provider_agreements_signed", "previous_phase_exit_met"})


def evaluate_targets(plan: PlanTargets, phase: int, figures: Mapping[str, Estimate]) -> list[Verdict]:
    """Each measure with a target for `phase` against it (direction higher: >=, lower: <=)."""
    out = []
    for m in plan.metrics:
        target = m.target_for(phase)
        if target is None or m.direction not in ("higher", "lower"):
            continue
        exposure_key = EXPOSURE_OF.get(m.metric)
        exposure = figures[exposure_key].n if exposure_key and exposure_key in figures else None
        out.append(
            judge(
                m.metric,
                ">=" if m.direction == "higher" else "<=",
                target,
                figures.get(m.metric),
                min_n=plan.min_n,
                exposure=exposure,
            )
        )
    return out
