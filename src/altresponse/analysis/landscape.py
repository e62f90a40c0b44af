"""Landscape metrics over classified calls: volumes, shares, risk scenarios, officer time, places.

Everything runs as a handful of DuckDB scans over the classified Parquet; the per-call table is
reduced to small aggregates (type x pathway x origin x disposition) first, and the risk model,
scenario Monte Carlo and rankings work on those aggregates, so ten million calls cost a few
seconds. Output is a JSON-ready dict whose keys are documented in docs/analysis.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
from scipy import stats

from altresponse.analysis.config import AnalysisConfig
from altresponse.facts import (
    BUSY_CAP_HOURS,
    DAYS_PER_YEAR,
    DEFAULT_OFFICER_HOURS_PER_CALL,
    DEFAULT_OFFICER_HOURS_SOURCE,
)
from altresponse.geo import Boundaries
from altresponse.results import Estimate, Gap, Headline, Period
from altresponse.risk import RiskTable, estimate_type_risk_from_counts, tolerance_scenarios

AREA_COLUMNS: dict[str, str] = {"districts": "district", "neighborhoods": "neighborhood", "csas": "csa"}
"""Boundary layer name -> calls column holding that area's name."""

_ESTIMATES = ("share", "lo", "hi", "accepted_error", "accepted_error_lo", "accepted_error_hi",
              "officer_hours_per_year", "officer_hours_lo", "officer_hours_hi", "fte", "fte_lo", "fte_hi")


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _in(values: Sequence[str]) -> str:
    return ", ".join(_q(v) for v in values) if values else "NULL"


@dataclass(frozen=True)
class Scope:
    """Which calls the scenarios are about, and the SQL predicates shared by every query."""

    name: str
    predicate: str
    eligible: str
    time_ok: str
    note: str


@dataclass(frozen=True)
class NotCalls:
    """Records that are not calls for service, and officer-initiated work known from the call type."""

    categories: tuple[str, ...] = ()
    officer_initiated_types: tuple[str, ...] = ()

    def predicate(self) -> str:
        """SQL: the row is a call someone in the community made (as far as the type tells)."""
        parts = []
        if self.categories:
            parts.append(f"category NOT IN ({_in(self.categories)})")
        if self.officer_initiated_types:
            parts.append(f"common_type NOT IN ({_in(self.officer_initiated_types)})")
        return " AND ".join(parts) or "TRUE"


def _scope(con: duckdb.DuckDBPyConnection, cfg: AnalysisConfig, not_calls: NotCalls) -> Scope:
    eligible_pathways = f"pathway IN ({_in(cfg.civilian_pathways)})"
    agency = f" AND agency IN ({_in(cfg.police_agencies)})" if cfg.police_agencies else ""
    time_ok = f"(unit_busy_s > 0 AND unit_busy_s <= {BUSY_CAP_HOURS * 3600.0}{agency})"
    note = ""
    # status entries and officers' own work never count as calls a civilian team could take
    name, predicate = "all", not_calls.predicate()
    if cfg.police_agencies:
        name, predicate = "police_agencies", f"({predicate}) AND agency IN ({_in(cfg.police_agencies)})"
    if cfg.scenario_scope == "community_initiated":
        row = con.execute(
            f"SELECT count(*) FROM calls WHERE ({predicate}) AND origin = 'community_initiated'"
        ).fetchone()
        n_comm = int(row[0]) if row else 0
        if n_comm > 0:
            name = "community_initiated"
            predicate = f"({predicate}) AND origin = 'community_initiated'"
        else:
            # Approximate community-initiated calls by leaving out officer-initiated call types
            # (business checks, directed patrol, traffic stops ...) and calls marked officer-initiated.
            name = "not_officer_initiated"
            predicate = (f"({predicate}) AND category <> 'officer_initiated_proactive' "
                         "AND origin <> 'officer_initiated'")
            note = ("No call is marked community-initiated (the source does not say who started a call), "
                    "so scenarios cover calls outside officer-initiated call types, an approximation of "
                    "community-initiated calls.")
    if cfg.police_agencies:
        agencies = ", ".join(cfg.police_agencies)
        note = (note + " " if note else "") + f"Scenarios and officer time cover agencies {agencies} only."
    return Scope(name=name, predicate=predicate, eligible=f"({predicate}) AND {eligible_pathways}",
                 time_ok=time_ok, note=note)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _share(n: float, total: float) -> float:
    return float(n) / float(total) if total else 0.0


def _jeffreys(k: float, n: float, level: float) -> tuple[float | None, float | None, float | None]:
    if n <= 0:
        return None, None, None
    tail = (1 - level) / 2
    a, b = k + 0.5, n - k + 0.5
    return float(k / n), float(stats.beta.ppf(tail, a, b)), float(stats.beta.ppf(1 - tail, a, b))


def _suppress(n: int | float | None, threshold: int) -> int | None:
    if n is None:
        return None
    return None if 0 < n < threshold else int(n)


class Landscape:
    """Computes the landscape summary from a DuckDB view named `calls` (classified calls)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, cfg: AnalysisConfig, *,
                 sample_fraction: float = 1.0, not_calls: NotCalls | None = None) -> None:
        self.con = con
        self.cfg = cfg
        self.sample_fraction = sample_fraction
        self.not_calls = not_calls or NotCalls()
        self.scope = _scope(con, cfg, self.not_calls)
        self.transfer: Any = None
        self.hours_transferred = False
        self.hours_statement = ""
        self._base()

    # -- the one big scan -------------------------------------------------------------------
    def _base(self) -> None:
        s = self.scope
        serious = _in(self.cfg.serious_dispositions)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE base AS
            SELECT common_type, category, pathway,
                   ({s.predicate}) AS in_scope,
                   disposition_class IN ({serious}) AS serious,
                   disposition_class <> 'unknown' AS known,
                   count(*) AS n,
                   count(*) FILTER (WHERE {s.time_ok}) AS nt,
                   coalesce(sum(unit_busy_s / 3600.0) FILTER (WHERE {s.time_ok}), 0) AS h,
                   coalesce(sum((unit_busy_s / 3600.0) ^ 2) FILTER (WHERE {s.time_ok}), 0) AS h2
            FROM calls GROUP BY ALL
        """)
        period = self.con.execute(
            "SELECT count(*), min(received_utc), max(received_utc), "
            "count(unit_busy_s), count(DISTINCT time_zone), count(*) FILTER (WHERE is_synthetic) FROM calls"
        ).fetchone()
        assert period is not None
        self.rows = int(period[0])
        self.start, self.end = period[1], period[2]
        span_days = (self.end - self.start).total_seconds() / 86400.0 if self.rows else 0.0
        self.days = max(span_days, 1.0)
        self.annual = DAYS_PER_YEAR / self.days / self.sample_fraction
        self.time_rows = int(period[3])
        self.synthetic_rows = int(period[5] or 0)
        tz = self.con.execute("SELECT any_value(time_zone) FROM calls").fetchone()
        self.time_zone = str(tz[0]) if tz and tz[0] else "UTC"
        self.single_tz = int(period[4]) <= 1
        self.scope_rows = int(self._scalar("SELECT coalesce(sum(n), 0) FROM base WHERE in_scope"))
        civ = _in(self.cfg.civilian_pathways)
        self.eligible_rows = int(self._scalar(
            f"SELECT coalesce(sum(n), 0) FROM base WHERE in_scope AND pathway IN ({civ})"
        ))

    def _scalar(self, sql: str) -> Any:
        row = self.con.execute(sql).fetchone()
        return row[0] if row else None

    # -- period, mapping, shares -------------------------------------------------------------
    def period(self) -> dict[str, Any]:
        gaps = self.gaps()
        return {"start_utc": self.start, "end_utc": self.end, "days": self.days,
                "annualization_factor": self.annual, "time_zone": self.time_zone,
                "synthetic_rows": self.synthetic_rows, "sample_fraction": self.sample_fraction,
                "gaps": [g.model_dump(mode="json") for g in gaps],
                "gap_days": sum(g.days for g in gaps)}

    def typed_period(self) -> Period:
        return Period(start_utc=self.start, end_utc=self.end, days=self.days, gaps=self.gaps(),
                      time_zone=self.time_zone, sample_fraction=self.sample_fraction)

    def not_call_counts(self) -> dict[str, Any]:
        """How many records are not calls (status entries) or officers' own work, left out of every share
        of eligible calls (they stay in the totals, shown)."""
        nc = self.not_calls
        status = (f"category IN ({_in(nc.categories)})" if nc.categories else "FALSE")
        own = (f"common_type IN ({_in(nc.officer_initiated_types)})" if nc.officer_initiated_types
               else "FALSE")
        row = self.con.execute(
            f"SELECT count(*) FILTER (WHERE {status}), count(*) FILTER (WHERE NOT ({status}) AND ({own})), "
            "count(*) FILTER (WHERE origin = 'officer_initiated') FROM calls").fetchone()
        assert row is not None
        return {"status_records": int(row[0]), "officer_initiated_by_type": int(row[1]),
                "officer_initiated_by_origin": int(row[2]), "categories": list(nc.categories),
                "officer_initiated_types": list(nc.officer_initiated_types)}

    def calls_by_year(self) -> tuple[dict[int, int], list[int]]:
        """Calls per local calendar year, and the years the period covers whole."""
        if not self.rows:
            return {}, []
        local = (f"timezone({_q(self.time_zone)}, received_utc)" if self.single_tz
                 else "timezone(time_zone, received_utc)")
        counts = {int(y): int(n) for y, n in self.con.execute(
            f"SELECT year({local}) AS y, count(*) FROM calls GROUP BY 1 ORDER BY 1").fetchall()}
        first, last = min(counts), max(counts)
        span = self.con.execute(f"SELECT min({local}), max({local}) FROM calls").fetchone()
        assert span is not None
        lo, hi = span
        full = [y for y in counts
                if (y > first or (lo.month, lo.day, lo.hour) == (1, 1, 0))
                and (y < last or (hi.month, hi.day) == (12, 31))]
        return counts, full

    def gaps(self) -> list[Gap]:
        """Runs of local days without a single call between the first and the last call."""
        if not self.rows:
            return []
        local = (f"timezone({_q(self.time_zone)}, received_utc)" if self.single_tz
                 else "timezone(time_zone, received_utc)")
        days = [r[0] for r in self.con.execute(
            f"SELECT DISTINCT CAST({local} AS DATE) AS d FROM calls ORDER BY d").fetchall()]
        out: list[Gap] = []
        for prev, cur in itertools.pairwise(days):
            missing = (cur - prev).days - 1
            if missing > 0:
                out.append(Gap(start=prev + dt.timedelta(days=1), days=missing))
        return out

    def officer_hours_per_call(self, types: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """One officer-time figure per type, used by every later stage: hours per in-scope call.

        The city's own unit times (first unit, dispatch to clear, capped at BUSY_CAP_HOURS) where the
        type has them; the mean of the city's timed calls for a type without; reference agencies'
        times when the city records none; the published default last. Each says which.
        """
        mean, se = self._hours_model(types)
        own = any(float(t["nt"]) > 0 for t in types)
        out: dict[str, dict[str, Any]] = {}
        for i, t in enumerate(types):
            if own and float(t["nt"]) > 0:
                source = "measured"
                words = f"this city's unit times ({int(t['nt']):,} timed calls of this type)"
            elif own:
                source = "measured_overall"
                words = "this city's mean unit time over all timed calls (this type has none)"
            elif self.hours_transferred:
                source = "transferred"
                words = "reference agencies' unit times (this city's calls carry none)"
            else:
                source = "default"
                words = DEFAULT_OFFICER_HOURS_SOURCE
            value = float(mean[i]) if source != "default" else DEFAULT_OFFICER_HOURS_PER_CALL
            out[str(t["common_type"])] = {
                "hours_per_call": value * self.cfg.units_per_call,
                "se": float(se[i]) * self.cfg.units_per_call if source != "default" else None,
                "source": source, "source_words": words,
            }
        return out

    def mapping(self, classify_summary: Mapping[str, Any] | None = None) -> dict[str, Any]:
        unmapped = int(self._scalar("SELECT coalesce(sum(n), 0) FROM base WHERE common_type = 'unmapped'"))
        top = _rows(self.con, """
            SELECT local_call_type, count(*) AS calls FROM calls WHERE common_type = 'unmapped'
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20""")
        out: dict[str, Any] = {
            "mapped_rows": self.rows - unmapped, "unmapped_rows": unmapped,
            "coverage": _share(self.rows - unmapped, self.rows), "unmapped_top": top,
        }
        if classify_summary:
            out["crosswalk"] = classify_summary.get("crosswalk")
            out["protocol_version"] = classify_summary.get("protocol_version")
            out["history_policy"] = classify_summary.get("history_policy")
        return out

    def shares(self, column: str) -> list[dict[str, Any]]:
        rows = _rows(self.con, f"""
            SELECT {column} AS key, sum(n) AS calls, sum(n) FILTER (WHERE in_scope) AS scope_calls,
                   sum(nt) AS timed_calls, sum(h) AS hours
            FROM base GROUP BY 1 ORDER BY 2 DESC, 1""")
        total_h = sum(float(r["hours"] or 0) for r in rows)
        out = []
        for r in rows:
            calls, scope_calls = int(r["calls"]), int(r["scope_calls"] or 0)
            out.append({
                column: r["key"], "calls": calls, "share": _share(calls, self.rows),
                "scope_calls": scope_calls, "scope_share": _share(scope_calls, self.scope_rows),
                "officer_hours": float(r["hours"] or 0),
                "officer_hours_share": _share(float(r["hours"] or 0), total_h),
            })
        return out

    def origin_shares(self) -> list[dict[str, Any]]:
        rows = _rows(self.con, "SELECT origin, count(*) AS calls FROM calls GROUP BY 1 ORDER BY 2 DESC")
        return [{"origin": r["origin"], "calls": int(r["calls"]), "share": _share(r["calls"], self.rows)}
                for r in rows]

    # -- per-type table, risk and scenarios --------------------------------------------------
    def type_table(self) -> list[dict[str, Any]]:
        civ = _in(self.cfg.civilian_pathways)
        rows = _rows(self.con, f"""
            SELECT common_type, any_value(category) AS category, sum(n) AS calls,
                   coalesce(sum(n) FILTER (WHERE in_scope), 0) AS scope_calls,
                   coalesce(sum(n) FILTER (WHERE in_scope AND known), 0) AS known,
                   coalesce(sum(n) FILTER (WHERE in_scope AND known AND serious), 0) AS serious,
                   coalesce(sum(n) FILTER (WHERE in_scope AND pathway IN ({civ})), 0) AS eligible,
                   coalesce(sum(nt) FILTER (WHERE in_scope), 0) AS nt,
                   coalesce(sum(h) FILTER (WHERE in_scope), 0) AS h,
                   coalesce(sum(h2) FILTER (WHERE in_scope), 0) AS h2,
                   sum(nt) AS nt_all, sum(h) AS h_all,
                   arg_max(pathway, n) AS pathway
            FROM base GROUP BY 1 ORDER BY calls DESC, 1""")
        pw = _rows(self.con, "SELECT common_type, pathway, sum(n) AS n FROM base GROUP BY 1, 2")
        by_type: dict[str, dict[str, int]] = defaultdict(dict)
        for r in pw:
            by_type[r["common_type"]][r["pathway"]] = int(r["n"])
        active = dict(self.con.execute(f"""
            SELECT common_type, count(DISTINCT date_trunc('hour', received_utc)) FROM calls
            WHERE {self.scope.predicate} GROUP BY 1""").fetchall())
        for r in rows:
            counts = by_type[r["common_type"]]
            top = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            r["pathway"] = top[0]
            r["pathway_share"] = _share(top[1], r["calls"])
            r["pathways"] = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
            r["active_hours"] = int(active.get(r["common_type"], 0))
        return rows

    def risk(self, types: list[dict[str, Any]]) -> RiskTable:
        """The city's own per-type risk; transferred from reference agencies when no call has an outcome.

        A transfer is labelled everywhere it is used (`self.transfer`), never shown as the city's own.
        """
        ids = [t["common_type"] for t in types]
        if sum(int(t["known"]) for t in types) == 0 and self.cfg.transfer_from_reference:
            from altresponse.risk.reference import transferred_risk

            self.transfer = transferred_risk(ids, sources=self.cfg.reference_sources, level=self.cfg.level,
                                             serious_classes=self.cfg.serious_dispositions)
            return self.transfer.risk
        return estimate_type_risk_from_counts(
            ids, [int(t["known"]) for t in types], [int(t["serious"]) for t in types], level=self.cfg.level,
            serious_classes=self.cfg.serious_dispositions,
        )

    def risk_summary(self, types: list[dict[str, Any]], risk: RiskTable) -> dict[str, Any]:
        out: dict[str, Any] = {**risk.prior(), "scope": self.scope.name,
                               "calls_with_outcome": int(sum(float(t["known"]) for t in types)),
                               "transferred": self.transfer is not None}
        if self.transfer is not None:
            out["statement"] = self.transfer.statement
            out["provenance"] = self.transfer.provenance
        if self.hours_transferred:
            out["officer_time_statement"] = self.hours_statement
        return out

    def _hours_model(self, types: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Mean officer hours per in-scope call of each type and its standard error.

        Types with no timed calls borrow the overall in-scope mean (and spread), so a scenario's
        hours are not understated just because one type lacks time stamps.
        """
        nt = np.array([float(t["nt"]) for t in types])
        h = np.array([float(t["h"]) for t in types])
        h2 = np.array([float(t["h2"]) for t in types])
        if nt.sum() == 0:
            return self._transferred_hours(types)
        overall_mean = h.sum() / nt.sum()
        overall_var = max(h2.sum() / nt.sum() - overall_mean**2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(nt > 0, h / np.maximum(nt, 1), overall_mean)
            within = np.maximum(h2 / np.maximum(nt, 1) - mean**2, 0.0) * nt / np.maximum(nt - 1, 1)
            var = np.where(nt > 1, within, overall_var)
            se = np.sqrt(var / np.maximum(nt, 1))
        return mean, se

    def _transferred_hours(self, types: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Unit hours per call borrowed from reference agencies when the city's calls carry no unit times."""
        zeros = np.zeros(len(types)), np.zeros(len(types))
        if not self.cfg.transfer_from_reference:
            return zeros
        from altresponse.risk.reference import load_reference_outcomes

        ref = load_reference_outcomes()
        ids = [t["common_type"] for t in types]
        model = getattr(ref, "officer_hours_model", None)
        if model is not None:
            mean, se, _ = model(ids)
        else:  # older table without spreads: mean only
            _, mean_min, _ = ref.officer_minutes(ids)
            mean, se = mean_min / 60.0, np.zeros(len(ids))
        ok = np.isfinite(mean)
        if not ok.any():
            return zeros
        weights = np.array([float(t["scope_calls"]) for t in types])
        fill = float(np.average(mean[ok], weights=np.maximum(weights[ok], 1e-9)))
        self.hours_transferred = True
        self.hours_statement = (
            "Officer time transferred from reference agencies: these calls carry no unit times, so each "
            "type's mean unit time (first unit, dispatch to clear) comes from the reference agencies that "
            f"record it ({int(ok.sum())} of {len(ids)} types; the rest use their weighted mean, "
            f"{fill * 60:.0f} min)."
        )
        mean = np.where(ok, mean, fill)
        se = np.where(ok & np.isfinite(se), se, fill * 0.25)
        return mean, se

    def scenarios(self, types: list[dict[str, Any]], risk: RiskTable) -> list[dict[str, Any]]:
        """The protocol scenario plus one risk-tolerance scenario per threshold, with intervals."""
        cfg = self.cfg
        rng = np.random.default_rng(cfg.seed)
        level = cfg.level
        tail = (1 - level) / 2
        vol = np.array([float(t["scope_calls"]) for t in types])
        elig_vol = np.array([float(t["eligible"]) for t in types])
        mean_h, se_h = self._hours_model(types)
        has_time = any(float(t["nt"]) > 0 for t in types) or self.hours_transferred
        scale = cfg.units_per_call * self.annual
        draws = max(int(cfg.draws), 0)
        z = rng.standard_normal((draws, len(types)))
        mean_draws = np.maximum(mean_h[None, :] + se_h[None, :] * z, 0.0)
        vol_draws = rng.poisson(vol[None, :], size=(draws, len(types))).astype(float)

        def hours_block(
            point_vol: np.ndarray, mask_draws: np.ndarray, vol_draw: np.ndarray
        ) -> dict[str, Any]:
            if not has_time:
                return {"officer_hours_per_year": None, "officer_hours_lo": None, "officer_hours_hi": None,
                        "fte": None, "fte_lo": None, "fte_hi": None}
            point = float((point_vol * mean_h).sum() * scale)
            sims = (mask_draws * vol_draw * mean_draws).sum(axis=1) * scale
            lo, hi = (float(x) for x in np.quantile(sims, [tail, 1 - tail])) if draws else (point, point)
            return {"officer_hours_per_year": point, "officer_hours_lo": lo, "officer_hours_hi": hi,
                    "fte": point / cfg.fte_hours, "fte_lo": lo / cfg.fte_hours, "fte_hi": hi / cfg.fte_hours}

        out: list[dict[str, Any]] = []
        # 1. Protocol scenario: calls whose historical pathway is civilian (screening assumed passed).
        total = float(vol.sum())
        k_el = sum(float(t["serious"]) * _share(t["eligible"], t["scope_calls"]) for t in types)
        n_el = sum(float(t["known"]) * _share(t["eligible"], t["scope_calls"]) for t in types)
        err, err_lo, err_hi = _jeffreys(k_el, n_el, level)
        if n_el == 0 and self.transfer is not None and elig_vol.sum() > 0:
            # Expected accepted error from the transferred per-type risks, weighted by eligible calls.
            pos_t = {str(t): i for i, t in enumerate(risk.type_ids)}
            idx_t = np.array([pos_t[t["common_type"]] for t in types])
            err = float((elig_vol * risk.shrunk[idx_t]).sum() / elig_vol.sum())
            if draws:
                post_t = risk.posterior_draws(draws, np.random.default_rng(cfg.seed + 2))[:, idx_t]
                errs = (post_t * elig_vol[None, :]).sum(axis=1) / elig_vol.sum()
                err_lo, err_hi = (float(x) for x in np.quantile(errs, [tail, 1 - tail]))
            else:
                err_lo = err_hi = err
        frac = np.where(vol > 0, elig_vol / np.maximum(vol, 1), 0.0)
        el_draws = rng.binomial(vol_draws.astype(np.int64), frac[None, :]).astype(float)
        share_sims = el_draws.sum(axis=1) / np.maximum(vol_draws.sum(axis=1), 1)
        lo, hi = (float(x) for x in np.quantile(share_sims, [tail, 1 - tail])) if draws else (0.0, 0.0)
        out.append({
            "id": "protocol", "kind": "protocol", "threshold": None,
            "label": "Protocol pathways (screening assumed passed)",
            "eligible_calls": int(elig_vol.sum()), "total_calls": int(total),
            "share": _share(elig_vol.sum(), total), "lo": lo, "hi": hi,
            "accepted_error": err, "accepted_error_lo": err_lo, "accepted_error_hi": err_hi,
            "eligible_types": sorted(t["common_type"] for t in types if t["eligible"] > 0),
            **hours_block(elig_vol, np.ones((draws, len(types))), vol_draws * frac[None, :]),
        })
        # 2. Risk-tolerance scenarios (Midgette et al. 2024): types whose risk is below a threshold.
        excluded_cat = set(cfg.never_civilian_categories)
        excluded_type = set(cfg.never_civilian_types)
        candidates = [t["common_type"] for t in types
                      if t["category"] not in excluded_cat and t["common_type"] not in excluded_type]
        volume = {t["common_type"]: int(t["scope_calls"]) for t in types}
        known_total = float(sum(float(t["known"]) for t in types))
        results = tolerance_scenarios(risk, volume, thresholds=cfg.risk_tolerances,
                                      candidate_types=candidates, draws=draws, seed=cfg.seed)
        order = [str(x) for x in risk.type_ids]
        pos = {t["common_type"]: i for i, t in enumerate(types)}
        idx = np.array([pos[t] for t in order])
        allowed = np.array([t in set(candidates) for t in order])
        post = risk.posterior_draws(draws, np.random.default_rng(cfg.seed + 1)) if draws else None
        for res in results:
            point_mask = np.zeros(len(types))
            elig_set = set(res.eligible_types)
            for i, t in enumerate(types):
                if t["common_type"] in elig_set:
                    point_mask[i] = 1.0
            mask_draws = np.zeros((draws, len(types)))
            if post is not None:
                mask_draws[:, idx] = (allowed[None, :] & (post < res.threshold)).astype(float)
            block = hours_block(vol * point_mask, mask_draws, vol_draws)
            row = {"id": f"risk_{res.threshold:g}", "kind": "risk_tolerance", "threshold": res.threshold,
                   "label": f"Risk below {100 * res.threshold:g}%", **res.as_dict(), **block}
            row.pop("level", None)
            row.pop("draws", None)
            if known_total == 0 and self.transfer is None:
                row.update(dict.fromkeys(_ESTIMATES))
                row.update({"eligible_calls": 0, "eligible_types": []})
                row["note"] = ("No call in scope has a known disposition, so risk cannot be estimated and "
                               "risk-tolerance scenarios are not shown.")
            out.append(row)
        for row in out:
            row["scope"] = self.scope.name
            row["level"] = level
        return out

    def candidates(self, types: list[dict[str, Any]], risk: RiskTable, scenarios: list[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
        """Per common type: volume, officer time, risk, when calls arrive, pathway; ranked."""
        mean_h, _ = self._hours_model(types)
        thresholds = sorted((s for s in scenarios if s["kind"] == "risk_tolerance"),
                            key=lambda s: s["threshold"])
        civ = set(self.cfg.civilian_pathways)
        out = []
        for i, t in enumerate(types):
            if t["common_type"] == "unmapped":
                continue
            r = risk.row(t["common_type"])
            eligible_at = next(
                (s["threshold"] for s in thresholds if t["common_type"] in s["eligible_types"]), None
            )
            hours = float(t["scope_calls"]) * float(mean_h[i]) * self.cfg.units_per_call
            timed = bool(t["nt_all"]) or self.hours_transferred
            out.append({
                "common_type": t["common_type"], "category": t["category"],
                "calls": int(t["calls"]), "share": _share(t["calls"], self.rows),
                "scope_calls": int(t["scope_calls"]), "calls_per_day": float(t["scope_calls"]) / self.days,
                "officer_hours": hours if timed else None,
                "officer_hours_per_year": hours * self.annual if timed else None,
                "timed_calls": int(t["nt"]),
                "risk": r["shrunk"] if r["n"] else None, "risk_lo": r["lo"] if r["n"] else None,
                "risk_hi": r["hi"] if r["n"] else None, "risk_raw": r["raw"], "risk_n": r["n"],
                "hours_per_day_with_call": min(24.0, t["active_hours"] / self.days),
                "pathway": t["pathway"], "pathway_share": t["pathway_share"],
                "eligible_calls": int(t["eligible"]), "eligible_at_threshold": eligible_at,
                "candidate": t["pathway"] in civ or eligible_at is not None,
            })
        _rank(out, "scope_calls", "rank_volume", reverse=True)
        _rank(out, "officer_hours", "rank_officer_time", reverse=True)
        _rank(out, "risk", "rank_low_risk", reverse=False)
        _rank(out, "hours_per_day_with_call", "rank_hours_per_day", reverse=True)
        out.sort(key=lambda c: (not c["candidate"], -c["scope_calls"], c["common_type"]))
        return out

    # -- officer time ----------------------------------------------------------------------
    def officer_time(self, categories: list[dict[str, Any]]) -> dict[str, Any]:
        timed = int(self._scalar("SELECT coalesce(sum(nt), 0) FROM base"))
        if timed == 0:
            return {"available": False, "reason": "no unit busy times (dispatch to clear) in the calls",
                    "timed_calls": 0, "coverage": 0.0}
        hours = float(self._scalar("SELECT sum(h) FROM base"))
        per_cat = _rows(self.con, f"""
            SELECT category, count(*) AS calls, count(*) FILTER (WHERE {self.scope.time_ok}) AS timed,
                   median(unit_busy_s / 60.0) FILTER (WHERE {self.scope.time_ok}) AS median_minutes,
                   avg(unit_busy_s / 60.0) FILTER (WHERE {self.scope.time_ok}) AS mean_minutes
            FROM calls GROUP BY 1""")
        med = {r["category"]: r for r in per_cat}
        by_cat = []
        for c in categories:
            m = med.get(c["category"], {})
            by_cat.append({
                "category": c["category"], "calls": c["calls"], "share_calls": c["share"],
                "timed_calls": int(m.get("timed") or 0), "hours": c["officer_hours"],
                "hours_per_year": c["officer_hours"] * self.annual, "share_hours": c["officer_hours_share"],
                "median_minutes": m.get("median_minutes"), "mean_minutes": m.get("mean_minutes"),
            })
        by_cat.sort(key=lambda r: -r["hours"])
        return {
            "available": True, "measure": "unit_busy_s (first unit dispatched to first unit cleared)",
            "timed_calls": timed, "coverage": _share(timed, self.rows), "hours": hours,
            "hours_per_year": hours * self.annual, "fte_hours": self.cfg.fte_hours,
            "fte_total": hours * self.annual * self.cfg.units_per_call / self.cfg.fte_hours,
            "units_per_call": self.cfg.units_per_call, "max_busy_hours": BUSY_CAP_HOURS,
            "police_agencies": self.cfg.police_agencies, "by_category": by_cat,
        }

    # -- time of week ----------------------------------------------------------------------
    def hour_of_week(self) -> dict[str, Any]:
        local = (f"timezone({_q(self.time_zone)}, received_utc)" if self.single_tz
                 else "timezone(time_zone, received_utc)")
        rows = self.con.execute(f"""
            SELECT isodow({local}) - 1 AS d, hour({local}) AS h, count(*) AS n,
                   count(*) FILTER (WHERE {self.scope.eligible}) AS e
            FROM calls GROUP BY ALL""").fetchall()
        allm = np.zeros((7, 24))
        elm = np.zeros((7, 24))
        for d, h, n, e in rows:
            allm[int(d), int(h)] = n
            elm[int(d), int(h)] = e
        weeks = self.days / 7.0
        return {"rows": "Monday..Sunday", "columns": "hour 0..23 local", "weeks": weeks,
                "all_calls": allm.astype(int).tolist(), "eligible_calls": elm.astype(int).tolist(),
                "eligible_peak_hour_share": _peak_share(elm)}

    # -- places ----------------------------------------------------------------------------
    def repeat_locations(self) -> dict[str, Any]:
        cfg = self.cfg
        threshold = max(cfg.repeat_location_min_calls, cfg.suppress_below)
        has = int(self._scalar("SELECT count(block_address) FROM calls"))
        if has == 0:
            return {"available": False, "reason": "no block addresses in the calls"}
        rows = _rows(self.con, f"""
            WITH a AS (
              SELECT block_address, count(*) AS calls,
                     count(*) FILTER (WHERE {self.scope.eligible}) AS eligible_calls
              FROM calls WHERE block_address IS NOT NULL GROUP BY 1)
            SELECT block_address, calls, eligible_calls, count(*) OVER () AS n_addr,
                   sum(calls) OVER () AS calls_at_repeat
            FROM a WHERE calls >= {threshold} ORDER BY calls DESC, block_address""")
        top = [{"block_address": r["block_address"], "calls": int(r["calls"]),
                "eligible_calls": _suppress(int(r["eligible_calls"]), cfg.suppress_below)}
               for r in rows[: cfg.repeat_locations_shown]]
        n_addr = int(rows[0]["n_addr"]) if rows else 0
        at_repeat = int(rows[0]["calls_at_repeat"]) if rows else 0
        return {"available": True, "min_calls": threshold, "addresses": n_addr,
                "calls_at_repeat_addresses": at_repeat, "share_of_calls": _share(at_repeat, self.rows),
                "calls_with_address": has, "top": top}

    def by_area(self, layers: Mapping[str, Boundaries]) -> dict[str, Any]:
        """Calls and eligible calls per district, neighbourhood and CSA (small cells suppressed)."""
        out: dict[str, Any] = {}
        for layer_name, column in AREA_COLUMNS.items():
            layer = layers.get(layer_name)
            counts = self._area_counts(column, layer)
            if counts is None:
                continue
            out[column] = counts
        return out

    def _area_counts(self, column: str, layer: Boundaries | None) -> dict[str, Any] | None:
        cfg = self.cfg
        raw = self.con.execute(f"""
            SELECT {column} AS name, count(*) AS n, count(*) FILTER (WHERE {self.scope.eligible}) AS e
            FROM calls GROUP BY 1""").fetchall()
        named = [(name, int(n), int(e)) for name, n, e in raw if name is not None and str(name).strip()]
        missing = sum(int(n) for name, n, _ in raw if name is None or not str(name).strip())
        if not named and layer is None:
            return None
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        unmatched: dict[str, int] = {}
        located = 0
        method = "names in the calls"
        if layer is None:
            for name, n, e in named:
                key = str(name).strip()
                totals[key][0] += n
                totals[key][1] += e
        else:
            method = f"names matched to {layer.layer}"
            match = layer.match_names([str(n) for n, _, _ in named])
            for (name, n, e), canon in zip(named, match.names, strict=True):
                if canon is None:
                    unmatched[str(name)] = unmatched.get(str(name), 0) + n
                    continue
                totals[canon][0] += n
                totals[canon][1] += e
            if missing:
                pts = self.con.execute(f"""
                    SELECT round(longitude, 5) AS x, round(latitude, 5) AS y, count(*) AS n,
                           count(*) FILTER (WHERE {self.scope.eligible}) AS e
                    FROM calls WHERE ({column} IS NULL OR trim({column}) = '') AND longitude IS NOT NULL
                      AND latitude IS NOT NULL GROUP BY 1, 2""").fetchnumpy()
                if len(pts["n"]):
                    names = layer.locate(pts["x"], pts["y"])
                    for nm, n, e in zip(names, pts["n"], pts["e"], strict=True):
                        if nm is None:
                            continue
                        totals[nm][0] += int(n)
                        totals[nm][1] += int(e)
                        located += int(n)
                    method += " + point-in-polygon for calls with coordinates only"
        areas = []
        small = cfg.suppress_below
        for name in (layer.names if layer is not None else sorted(totals)):
            n, e = totals.get(name, [0, 0])
            areas.append({
                "area": name, "calls": _suppress(n, cfg.suppress_below),
                "eligible_calls": _suppress(e, cfg.suppress_below),
                "eligible_share": _share(e, n) if n >= small and e >= small else None,
                "suppressed": (0 < n < cfg.suppress_below) or (0 < e < cfg.suppress_below),
            })
        areas.sort(key=lambda a: -int(a["calls"] or 0))
        assigned = sum(v[0] for v in totals.values())
        return {
            "method": method, "calls_assigned": assigned, "share_assigned": _share(assigned, self.rows),
            "calls_without_area": self.rows - assigned, "located_by_coordinates": located,
            "unmatched_names": [{"name": k, "calls": v}
                                for k, v in sorted(unmatched.items(), key=lambda kv: -kv[1])[:15]],
            "areas": areas,
        }


def _rank(rows: list[dict[str, Any]], key: str, out_key: str, *, reverse: bool) -> None:
    present = [r for r in rows if r.get(key) is not None]
    present.sort(key=lambda r: r[key], reverse=reverse)
    for i, r in enumerate(present, start=1):
        r[out_key] = i
    for r in rows:
        r.setdefault(out_key, None)


def _peak_share(m: np.ndarray) -> float | None:
    """Share of eligible calls in the busiest 8-hour window of the day (all days pooled)."""
    by_hour = m.sum(axis=0)
    total = by_hour.sum()
    if total == 0:
        return None
    best = max(sum(by_hour[(h + i) % 24] for i in range(8)) for h in range(24))
    return float(best / total)



def landscape_headline(period: Period, scenarios: list[dict[str, Any]], *, data: str) -> Headline:
    """The landscape's headline figures: the measured period and eligible calls a year."""
    figures: dict[str, Estimate] = {
        "period_days": Estimate(
            value=period.days, unit="days",
            source="first to last received time of the calls"
                   + (f"; {period.gap_days} days without calls inside it" if period.gaps else ""),
        )
    }
    protocol = next((s for s in scenarios if s["kind"] == "protocol"), None)
    if protocol is not None and period.days > 0:
        total = float(protocol["total_calls"])
        factor = period.annual_factor
        figures["eligible_calls_per_year"] = Estimate(
            value=float(protocol["eligible_calls"]) * factor,
            low=float(protocol["lo"]) * total * factor, high=float(protocol["hi"]) * total * factor,
            unit="calls/year",
            source=(f"calls the protocol sends to an alternative to police, out of {int(total):,} in-scope "
                    f"calls over {period.days:.1f} days, scaled to a year"
                    + (f" and from a {period.sample_fraction:.2%} sample to all calls"
                       if period.sample_fraction < 1 else "")
                    + "; the range is 90% sampling uncertainty"),
        )
    return Headline().with_figures(figures, call_set="calls the protocol sends to an alternative to police")
