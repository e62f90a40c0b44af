"""The store side of monitoring: what happened on each call, the tracker, and facts for the measures.

Every change runs in one write transaction with its audit row, as in `repository`. Reading turns the
store's rows into the monitor's plain records (`CallFact`, `Milestone`), so `altresponse.monitor`
never touches the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from altresponse.errors import BadInput
from altresponse.monitor.facts import DECLINE_REASONS, CallFact, is_alternative, place_key
from altresponse.monitor.tracker import Milestone, track
from altresponse.ops import audit
from altresponse.ops.db import Store
from altresponse.ops.models import (
    BACKUP_KINDS,
    TRACKER_STATUSES,
    UNSERVED_REASONS,
    CallResult,
    DecisionRecord,
    Referral,
    TrackerItem,
)
from altresponse.ops.repository import Actor, Conflict, Forbidden, NotFound
from altresponse.schema import PATHWAYS

RESULT_FIELDS = (
    "actual_pathway",
    "actual_organization_id",
    "unserved_reason",
    "backup",
    "injury",
    "use_of_force",
    "arrest",
    "transport",
    "referral_completed",
    "arrived_at",
    "cleared_at",
)
ACTUAL_PATHWAYS = (*PATHWAYS, "none")


def decline_code(reason: str | None) -> str:
    """The coded reason of a decline: the text's first word if it is a known code, else 'other'."""
    if not reason:
        return "other"
    head = reason.strip().split(":", 1)[0].split()[0].lower() if reason.strip() else ""
    return head if head in DECLINE_REASONS else "other"


# ---------------------------------------------------------------- what happened
def record_result(
    store: Store,
    actor: Actor,
    decision_id: int,
    *,
    actual_pathway: str,
    actual_organization_id: str | None = None,
    unserved_reason: str | None = None,
    backup: str = "none",
    injury: bool = False,
    use_of_force: bool = False,
    arrest: bool = False,
    transport: bool = False,
    referral_completed: bool = False,
    arrived_at: datetime | None = None,
    cleared_at: datetime | None = None,
    at: datetime | None = None,
) -> CallResult:
    """Record (or correct) what actually happened on a decided call.

    A call the protocol found eligible that no alternative team took must say why
    (`unserved_reason`), so the gap between decided and served is counted, not lost.
    """
    if actor.role not in ("call_taker", "provider", "admin"):
        raise Forbidden("only dispatch, the responding provider or an admin records what happened")
    if actual_pathway not in ACTUAL_PATHWAYS:
        raise BadInput(f"actual_pathway {actual_pathway!r}: expected one of {', '.join(ACTUAL_PATHWAYS)}")
    if backup not in BACKUP_KINDS:
        raise BadInput(f"backup {backup!r}: expected one of {', '.join(BACKUP_KINDS)}")
    if unserved_reason is not None and unserved_reason not in UNSERVED_REASONS:
        raise BadInput(f"unserved_reason {unserved_reason!r}: expected one of {', '.join(UNSERVED_REASONS)}")
    if arrived_at and cleared_at and cleared_at < arrived_at:
        raise BadInput("cleared_at is before arrived_at")
    values: dict[str, Any] = dict(
        actual_pathway=actual_pathway,
        actual_organization_id=actual_organization_id,
        unserved_reason=unserved_reason,
        backup=backup,
        injury=injury,
        use_of_force=use_of_force,
        arrest=arrest,
        transport=transport,
        referral_completed=referral_completed,
        arrived_at=arrived_at,
        cleared_at=cleared_at,
    )
    with store.write() as s:
        decision = s.get(DecisionRecord, decision_id)
        if decision is None:
            raise NotFound(f"decision {decision_id} not found")
        if actor.role == "provider":
            orgs = set(
                s.scalars(sa.select(Referral.organization_id).where(Referral.decision_id == decision_id))
            )
            if actor.organization_id not in orgs:
                raise NotFound(f"decision {decision_id} not found")  # not probeable by other providers
            if actual_organization_id not in (None, actor.organization_id):
                raise Forbidden("a provider records only its own organization's response")
        if (
            is_alternative(decision.pathway)
            and not is_alternative(actual_pathway)
            and unserved_reason is None
        ):
            raise BadInput(
                "the call was eligible for an alternative team and none went: give unserved_reason "
                f"({', '.join(UNSERVED_REASONS)})"
            )
        existing = s.scalar(sa.select(CallResult).where(CallResult.decision_id == decision_id))
        action = "result.correct" if existing else "result.record"
        row = existing or CallResult(decision_id=decision_id)
        for k, v in values.items():
            setattr(row, k, v)
        row.recorded_by = actor.user_id
        row.recorded_at = at or datetime.now(UTC)
        s.add(row)
        s.flush()
        audit.append(
            s,
            store.audit_keys,
            actor=actor.username,
            action=action,
            entity=f"decision:{decision_id}",
            inputs={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()},
            result={"id": row.id, "decided_pathway": decision.pathway},
            protocol_hash=decision.protocol_hash,
        )
        return row


def get_result(store: Store, decision_id: int) -> CallResult | None:
    with store.read() as s:
        return s.scalar(sa.select(CallResult).where(CallResult.decision_id == decision_id))


def _secs(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max((later - earlier).total_seconds(), 0.0)


def load_facts(
    store: Store,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    area: str | None = None,
    pathway: str | None = None,
) -> list[CallFact]:
    """Decisions made in [start, end) joined with their referrals and recorded results, as `CallFact`s.

    With no result row, what the referrals show is used: a team on scene went (a referral closed
    as backup_requested or co_notification had police called in); otherwise nothing is recorded.
    """
    q = sa.select(DecisionRecord, CallResult).outerjoin(
        CallResult, CallResult.decision_id == DecisionRecord.id
    )
    if start is not None:
        q = q.where(DecisionRecord.created_at >= start)
    if end is not None:
        q = q.where(DecisionRecord.created_at < end)
    if area is not None:
        q = q.where(DecisionRecord.area == area)
    if pathway is not None:
        q = q.where(DecisionRecord.pathway == pathway)
    with store.read() as s:
        rows = s.execute(q.order_by(DecisionRecord.id)).all()
        ids = [d.id for d, _ in rows]
        refs: dict[int, list[Referral]] = defaultdict(list)
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk : chunk + 5000]
            for r in s.scalars(
                sa.select(Referral).where(Referral.decision_id.in_(part)).order_by(Referral.id)
            ):
                refs[r.decision_id].append(r)
    out = []
    for d, res in rows:
        rs = refs.get(d.id, [])
        accepted = next((r for r in rs if r.accepted_at is not None), None)
        went = next((r for r in rs if r.on_scene_at is not None), None)
        closed = next((r for r in rs if r.outcome is not None), None)
        place = place_key(d.block_lon, d.block_lat)
        fact: dict[str, Any] = dict(
            decision_id=d.id,
            decided_at=d.created_at,
            decided_pathway=d.pathway,
            common_type=d.common_type,
            area=d.area,
            asked_organization=rs[0].organization_id if rs else None,
            declines=tuple(decline_code(r.decline_reason) for r in rs if r.status == "declined"),
            seconds_to_accept=_secs(accepted.accepted_at, accepted.created_at) if accepted else None,
            outcome=closed.outcome if closed else None,
            place_key=place,
        )
        if res is not None:
            arrived = res.arrived_at or (went.on_scene_at if went else None)
            cleared = res.cleared_at or (went.closed_at if went else None)
            fact.update(
                actual_pathway=res.actual_pathway,
                actual_organization=res.actual_organization_id,
                unserved_reason=res.unserved_reason,
                backup=res.backup,
                injury=res.injury,
                use_of_force=res.use_of_force,
                arrest=res.arrest,
                transport=res.transport,
                referral_completed=res.referral_completed,
                seconds_to_arrive=_secs(arrived, d.created_at),
                seconds_on_scene=_secs(cleared, arrived),
            )
        elif went is not None:
            backup = (
                "police"
                if closed is not None and closed.outcome in ("backup_requested", "co_notification")
                else "none"
            )
            fact.update(
                actual_pathway=d.pathway,
                actual_organization=went.organization_id,
                backup=backup,
                referral_completed=closed is not None and closed.outcome == "linked_to_services",
                transport=closed is not None and closed.outcome == "transported",
                seconds_to_arrive=_secs(went.on_scene_at, d.created_at),
                seconds_on_scene=_secs(went.closed_at, went.on_scene_at),
            )
        out.append(CallFact(**fact))
    return out


def areas_seen(store: Store) -> list[str]:
    with store.read() as s:
        return sorted(a for a in s.scalars(sa.select(DecisionRecord.area).distinct()) if a is not None)


def decision_span(store: Store) -> tuple[datetime | None, datetime | None]:
    with store.read() as s:
        lo, hi = s.execute(
            sa.select(sa.func.min(DecisionRecord.created_at), sa.func.max(DecisionRecord.created_at))
        ).one()
    return _aware(lo), _aware(hi)


def _aware(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=UTC)


# ---------------------------------------------------------------- tracker
def _milestone(row: TrackerItem) -> Milestone:
    return Milestone(
        row.key,
        row.name,
        row.owner,
        row.planned_start,
        row.due,
        tuple(d for d in row.deps.split(";") if d),
        row.status,
        row.actual_start,
        row.actual_finish,
        row.phase,
        row.workstream,
        row.notes,
    )


def list_tracker(store: Store) -> list[Milestone]:
    with store.read() as s:
        return [
            _milestone(r)
            for r in s.scalars(sa.select(TrackerItem).order_by(TrackerItem.planned_start, TrackerItem.id))
        ]


def _check_role(actor: Actor) -> None:
    if actor.role not in ("analyst", "admin"):
        raise Forbidden("only an analyst or an admin edits the implementation tracker")


def import_tracker(store: Store, actor: Actor, items: Sequence[Milestone]) -> int:
    """Add the plan's items not yet tracked (by key); returns how many were added. Existing ones keep
    their progress."""
    _check_role(actor)
    with store.write() as s:
        have = set(s.scalars(sa.select(TrackerItem.key)))
        known = have | {m.id for m in items}
        missing = sorted({d for m in items for d in m.deps if d not in known})
        if missing:
            raise BadInput(f"tracker items depend on unknown ids: {missing}")
        added = [m for m in items if m.id not in have]
        for m in added:
            s.add(
                TrackerItem(
                    key=m.id,
                    name=m.name,
                    owner=m.owner,
                    phase=m.phase,
                    workstream=m.workstream,
                    planned_start=m.planned_start,
                    due=m.due,
                    deps=";".join(m.deps),
                    status=m.status,
                    actual_start=m.actual_start,
                    actual_finish=m.actual_finish,
                    notes=m.notes,
                    updated_by=actor.user_id,
                    updated_at=datetime.now(UTC),
                )
            )
        s.flush()
        audit.append(
            s,
            store.audit_keys,
            actor=actor.username,
            action="tracker.import",
            entity="tracker",
            inputs={"keys": [m.id for m in added]},
            result={"added": len(added)},
        )
    return len(added)


TRACKER_EDITABLE = (
    "name",
    "owner",
    "planned_start",
    "due",
    "deps",
    "status",
    "actual_start",
    "actual_finish",
    "notes",
    "phase",
    "workstream",
)


def update_tracker_item(store: Store, actor: Actor, key: str, changes: Mapping[str, Any]) -> Milestone:
    """Change one item's fields; the whole tracker is re-checked (unknown dependency, cycle, dates)."""
    _check_role(actor)
    unknown = sorted(set(changes) - set(TRACKER_EDITABLE))
    if unknown:
        raise BadInput(f"tracker fields {unknown} cannot be changed; editable: {', '.join(TRACKER_EDITABLE)}")
    if "status" in changes and changes["status"] not in TRACKER_STATUSES:
        raise BadInput(f"status {changes['status']!r}: expected one of {', '.join(TRACKER_STATUSES)}")
    with store.write() as s:
        row = s.scalar(sa.select(TrackerItem).where(TrackerItem.key == key))
        if row is None:
            raise NotFound(f"tracker item {key!r} not found")
        before = {k: getattr(row, k) for k in changes}
        for k, v in changes.items():
            setattr(row, k, ";".join(v) if k == "deps" and not isinstance(v, str) else v)
        if row.status == "done" and row.actual_finish is None:
            row.actual_finish = date.today()
        row.updated_by, row.updated_at = actor.user_id, datetime.now(UTC)
        s.flush()
        everything = [_milestone(r) for r in s.scalars(sa.select(TrackerItem))]
        track(everything, date.today())  # raises BadInput on a cycle, unknown dependency or bad dates
        audit.append(
            s,
            store.audit_keys,
            actor=actor.username,
            action="tracker.update",
            entity=f"tracker:{key}",
            inputs={k: _plain(v) for k, v in changes.items()},
            result={"before": {k: _plain(v) for k, v in before.items()}, "status": row.status},
        )
        return _milestone(row)


def create_tracker_item(store: Store, actor: Actor, item: Milestone) -> Milestone:
    _check_role(actor)
    if item.status not in TRACKER_STATUSES:
        raise BadInput(f"status {item.status!r}: expected one of {', '.join(TRACKER_STATUSES)}")
    with store.write() as s:
        if s.scalar(sa.select(TrackerItem.id).where(TrackerItem.key == item.id)) is not None:
            raise Conflict(f"tracker item {item.id!r} exists")
        s.add(
            TrackerItem(
                key=item.id,
                name=item.name,
                owner=item.owner,
                phase=item.phase,
                workstream=item.workstream,
                planned_start=item.planned_start,
                due=item.due,
                deps=";".join(item.deps),
                status=item.status,
                actual_start=item.actual_start,
                actual_finish=item.actual_finish,
                notes=item.notes,
                updated_by=actor.user_id,
                updated_at=datetime.now(UTC),
            )
        )
        s.flush()
        track([_milestone(r) for r in s.scalars(sa.select(TrackerItem))], date.today())
        audit.append(
            s,
            store.audit_keys,
            actor=actor.username,
            action="tracker.create",
            entity=f"tracker:{item.id}",
            inputs={k: _plain(v) for k, v in item.__dict__.items()},
            result={"status": item.status},
        )
    return item


def _plain(v: Any) -> Any:
    if isinstance(v, date | datetime):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    return v
