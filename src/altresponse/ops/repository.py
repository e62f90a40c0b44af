"""The store's service layer: every query and change the API and CLI make, in one place.

Each change runs in one write transaction together with its audit row, so the audit log and the
tables never disagree. Functions take plain values (no web types) and raise `NotFound`,
`Forbidden` or `Conflict`, which the service maps to 404, 403 and 409.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from altresponse.errors import BadInput
from altresponse.facts import DECLINE_REASONS
from altresponse.ops import audit
from altresponse.ops.db import Store
from altresponse.ops.models import (
    OUTCOMES,
    ROLES,
    AuthSession,
    DecisionRecord,
    DirectoryVersion,
    Referral,
    User,
)
from altresponse.ops.passwords import hash_password, verify_password

SMALL_CELL = 10  # public counts below this are suppressed
USERNAME_RE = re.compile(r"[A-Za-z0-9_.@-]{1,80}")
# An area is a neighborhood or block name: no digits (no house numbers or phone numbers), no "@"
# (no e-mail addresses), short. What passes is kept in the decision, never in the audit log,
# which keeps a keyed digest of it instead.
AREA_RE = re.compile(r"[A-Za-z][A-Za-z .,'/&()-]{0,59}")


def screen_area(area: str | None) -> str | None:
    """The area as given when it reads as a place name, else BadInput naming what is allowed."""
    if area is None:
        return None
    area = area.strip()
    if not area:
        return None
    if not AREA_RE.fullmatch(area):
        raise BadInput("area must be a neighborhood or block name: letters, spaces and .,'/&()- only, "
                       "at most 60 characters, no digits (no house or phone numbers)", column="area")
    return area
_DECISIONS = cast(sa.Table, DecisionRecord.__table__)
_INSERT_DECISION = sa.insert(_DECISIONS).returning(_DECISIONS.c.id)
_NEXT_DECISION_ID = sa.func.nextval(sa.func.pg_get_serial_sequence("decisions", "id"))


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


class Conflict(Exception):
    pass


@dataclass(frozen=True)
class RecordedDecision:
    """What the hot path needs back from recording a decision (no ORM object: it costs a millisecond)."""

    id: int
    created_at: datetime


@dataclass(frozen=True)
class Actor:
    """Who is acting: enough to authorise and to write the audit row."""

    user_id: int | None
    username: str
    role: str
    organization_id: str | None = None


SYSTEM = Actor(None, "system", "admin")


# ---------------------------------------------------------------- users
def create_user(store: Store, username: str, password: str, role: str, organization_id: str | None = None,
                actor: Actor = SYSTEM, *, password_hash: str | None = None) -> User:
    """Add a user. `password_hash` takes an existing argon2 hash instead (moving users between stores)."""
    if not USERNAME_RE.fullmatch(username):
        raise BadInput("username must be 1 to 80 letters, digits or _.@- characters")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if role == "provider" and not organization_id:
        raise BadInput("a provider user needs an organization id")
    if password_hash is None and len(password) < 8:
        raise BadInput("password too short: at least 8 characters")
    if password_hash is not None and not password_hash.startswith("$argon2"):
        raise BadInput("password_hash must be an argon2 hash")
    with store.write() as s:
        if s.scalar(sa.select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"user {username!r} exists")
        user = User(username=username, password_hash=password_hash or hash_password(password), role=role,
                    organization_id=organization_id if role == "provider" else None)
        s.add(user)
        s.flush()
        audit.append(s, store.audit_keys, actor=actor.username, action="user.create",
                     entity=f"user:{user.id}",
                     inputs={"username": username, "role": role, "organization_id": organization_id},
                     result={"id": user.id})
        return user


def authenticate(store: Store, username: str, password: str, *, max_failures: int = 5,
                 lockout_minutes: int = 15) -> User | None:
    """Check a password in the calling thread (the service hashes in its own pool; see `sign_in`)."""
    user = sign_in_candidate(store, username)
    if user is not None and is_locked(user):
        return None
    ok = verify_password(user.password_hash if user else None, password)
    if user is not None:
        record_sign_in(store, user, ok, max_failures=max_failures, lockout_minutes=lockout_minutes)
    return user if ok and user is not None and user.active else None


def sign_in_candidate(store: Store, username: str) -> User | None:
    """The user a sign-in names, if any (None for a name that cannot exist, without asking the database)."""
    if not USERNAME_RE.fullmatch(username):
        return None
    with store.read() as s:
        return s.scalar(sa.select(User).where(User.username == username))


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or datetime.now(UTC))


def record_sign_in(store: Store, user: User, ok: bool, *, max_failures: int, lockout_minutes: int) -> None:
    """Count a failure (locking the account after `max_failures` in a row, with an audit row), or
    clear the count on success. Only the user id goes in the audit row: a mistyped password could
    have been typed into the username field."""
    now = datetime.now(UTC)
    with store.write() as s:
        row = s.get(User, user.id)
        if row is None:
            return
        if ok:
            if row.failed_logins or row.locked_until:
                row.failed_logins, row.locked_until = 0, None
            return
        row.failed_logins = (row.failed_logins or 0) + 1
        if row.failed_logins >= max_failures:
            row.locked_until = now + timedelta(minutes=lockout_minutes)
            row.failed_logins = 0
            audit.append(s, store.audit_keys, actor="system", action="auth.lockout", entity=f"user:{row.id}",
                         inputs={"failures": max_failures}, result={"locked_until": row.locked_until})


def open_session(store: Store, user: User, minutes: int) -> AuthSession:
    """Record a new token id for `user`, valid for `minutes` (the token's `jti`)."""
    now = datetime.now(UTC)
    session_row = AuthSession(id=secrets.token_urlsafe(24), user_id=user.id, issued_at=now,
                              expires_at=now + timedelta(minutes=minutes))
    with store.write() as s:
        s.add(session_row)
        s.flush()
        audit.append(s, store.audit_keys, actor=user.username, action="auth.sign_in",
                     entity=f"user:{user.id}",
                     inputs={}, result={"expires_at": session_row.expires_at})
    return session_row


_SESSION_ACTOR = (
    sa.select(AuthSession.user_id, AuthSession.expires_at, AuthSession.revoked_at, User.username, User.role,
              User.organization_id, User.active)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == sa.bindparam("jti"))
)


def session_actor(store: Store, jti: str, user_id: int) -> Actor | None:
    """The actor behind a live token id: None when the id is unknown, revoked or expired, or when the
    user is gone or disabled. The role is the one stored now, not the one the token claimed."""
    with store.engine.connect() as conn:
        row = conn.execute(_SESSION_ACTOR, {"jti": jti}).first()
    if row is None or row.user_id != user_id or row.revoked_at is not None or not row.active:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC) or row.role not in ROLES:
        return None
    return Actor(row.user_id, row.username, row.role, row.organization_id)


def revoke_session(store: Store, actor: Actor, jti: str) -> None:
    """Sign-out: this token stops working at once."""
    with store.write() as s:
        row = s.get(AuthSession, jti)
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = datetime.now(UTC)
        audit.append(s, store.audit_keys, actor=actor.username, action="auth.sign_out",
                     entity=f"user:{row.user_id}", inputs={}, result={"revoked": 1})


def _revoke_all(s: Any, user_id: int) -> int:
    result = s.execute(sa.update(AuthSession).where(AuthSession.user_id == user_id,
                                                    AuthSession.revoked_at.is_(None))
                       .values(revoked_at=datetime.now(UTC)))
    return int(result.rowcount or 0)


def set_user_active(store: Store, actor: Actor, user_id: int, active: bool) -> User:
    """Disable (every token of the user is revoked at once) or enable a user."""
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        user.active = active
        revoked = 0 if active else _revoke_all(s, user_id)
        audit.append(s, store.audit_keys, actor=actor.username,
                     action="user.enable" if active else "user.disable", entity=f"user:{user_id}",
                     inputs={}, result={"active": active, "sessions_revoked": revoked})
        s.flush()
        return user


def change_password(store: Store, actor: Actor, user_id: int, new_password: str) -> int:
    """Set a new password and revoke every token the user holds; returns how many were revoked."""
    if len(new_password) < 8:
        raise BadInput("password too short: at least 8 characters")
    new_hash = hash_password(new_password)
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        user.password_hash = new_hash
        user.failed_logins, user.locked_until = 0, None
        revoked = _revoke_all(s, user_id)
        audit.append(s, store.audit_keys, actor=actor.username, action="user.password",
                     entity=f"user:{user_id}",
                     inputs={}, result={"sessions_revoked": revoked})
        return revoked


def get_user(store: Store, user_id: int) -> User | None:
    with store.read() as s:
        return s.get(User, user_id)


def list_users(store: Store) -> list[User]:
    with store.read() as s:
        return list(s.scalars(sa.select(User).order_by(User.id)))


# ---------------------------------------------------------------- decisions
def _backdated(at: datetime | None) -> dict[str, str]:
    """A backdated change says so in its audit row (the row's own time stays the real one)."""
    return {} if at is None else {"event_at": at.astimezone(UTC).isoformat()}


def coarsen_location(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    """Snap a point to a ~110 m grid (3 decimals): block level, never the caller's exact address."""
    if lon is None or lat is None:
        return None, None
    return round(lon, 3), round(lat, 3)


def record_decision(store: Store, actor: Actor, *, call_ref: str, common_type: str, category: str,
                    answers: Mapping[str, str], pathway: str, responder: str, rule_ids: Sequence[str],
                    reasons: Sequence[str], fallbacks: Sequence[str], protocol_version: str,
                    protocol_hash: str, matched: Sequence[Mapping[str, Any]], area: str | None = None,
                    lon: float | None = None, lat: float | None = None,
                    at: datetime | None = None) -> RecordedDecision:
    """Record a decision; `at` backdates it (replaying a log or a simulated year), else now."""
    block_lon, block_lat = coarsen_location(lon, lat)
    area = screen_area(area)
    answers_sorted = dict(sorted(answers.items()))
    values: dict[str, Any] = dict(
        call_ref=call_ref, common_type=common_type, category=category,
        answers_json=audit.canonical_json(answers_sorted), pathway=pathway, responder=responder,
        rule_ids=";".join(rule_ids), reasons=";".join(reasons), fallbacks=";".join(fallbacks),
        protocol_version=protocol_version, protocol_hash=protocol_hash, area=area,
        block_lon=block_lon, block_lat=block_lat, matched_json=audit.canonical_json(list(matched)),
        created_by=actor.user_id, created_at=at or datetime.now(UTC),
    )
    audit_inputs = {"call_ref": call_ref, "common_type": common_type, "category": category,
                    "answers": answers_sorted, "area_digest": audit.field_digest(store.audit_keys.key, area),
                    "block": [block_lon, block_lat], **_backdated(at)}
    audit_result = {"pathway": pathway, "responder": responder, "rule_ids": list(rule_ids),
                    "protocol_version": protocol_version, "matched": [m.get("service_id") for m in matched]}
    with store.write_connection() as s:
        # Core on the hot path (every live call): no ORM unit of work.
        if store.dialect == "postgresql":
            # Two round trips: claim the chain head and the decision id; then write both rows.
            seq, prev, (new_id,) = audit.claim_next(s, _NEXT_DECISION_ID)
            entry = audit.entry_values(store.audit_keys, seq, prev, actor=actor.username,
                                       action="triage.decide", entity=f"decision:{new_id}",
                                       inputs=audit_inputs, result=audit_result, protocol_hash=protocol_hash)
            decision_insert = sa.insert(_DECISIONS).values(id=new_id, **values).cte("new_decision")
            audit.insert_entry(s, entry, decision_insert)
        else:
            new_id = s.execute(_INSERT_DECISION, values).scalar_one()
            audit.append(s, store.audit_keys, actor=actor.username, action="triage.decide",
                         entity=f"decision:{new_id}", inputs=audit_inputs, result=audit_result,
                         protocol_hash=protocol_hash)
        return RecordedDecision(int(new_id), values["created_at"])


def get_decision(store: Store, decision_id: int) -> DecisionRecord:
    with store.read() as s:
        rec = s.get(DecisionRecord, decision_id)
    if rec is None:
        raise NotFound(f"decision {decision_id} not found")
    return rec


# ---------------------------------------------------------------- referrals
# status -> action -> (new status, timestamp column)
_TRANSITIONS: dict[str, dict[str, tuple[str, str]]] = {
    "created": {"accept": ("accepted", "accepted_at"), "decline": ("declined", "declined_at")},
    "accepted": {"en_route": ("en_route", "en_route_at"), "outcome": ("closed", "closed_at")},
    "en_route": {"on_scene": ("on_scene", "on_scene_at"), "outcome": ("closed", "closed_at")},
    "on_scene": {"outcome": ("closed", "closed_at")},
    "declined": {},
    "closed": {},
}
ACTIONS: tuple[str, ...] = ("accept", "decline", "en_route", "on_scene", "outcome")


def create_referral(store: Store, actor: Actor, *, decision_id: int, service_id: str,
                    organization_id: str, at: datetime | None = None) -> Referral:
    with store.write() as s:
        decision = s.get(DecisionRecord, decision_id)
        if decision is None:
            raise NotFound(f"decision {decision_id} not found")
        ref = Referral(decision_id=decision_id, service_id=service_id, organization_id=organization_id,
                       status="created", created_by=actor.user_id, created_at=at or datetime.now(UTC))
        s.add(ref)
        s.flush()
        audit.append(s, store.audit_keys, actor=actor.username, action="referral.create",
                     entity=f"referral:{ref.id}",
                     inputs={"decision_id": decision_id, "service_id": service_id,
                             "organization_id": organization_id, **_backdated(at)},
                     result={"status": "created"}, protocol_hash=decision.protocol_hash)
        return ref


def _visible(actor: Actor, ref: Referral) -> bool:
    if actor.role == "provider":
        return ref.organization_id == actor.organization_id
    return actor.role in ("call_taker", "admin")


def get_referral(store: Store, actor: Actor, referral_id: int) -> Referral:
    with store.read() as s:
        ref = s.get(Referral, referral_id)
    if ref is None or not _visible(actor, ref):
        # Another organization's referral is reported as absent, so ids cannot be probed.
        raise NotFound(f"referral {referral_id} not found")
    return ref


def list_referrals(store: Store, actor: Actor, status: str | None = None, limit: int = 100,
                   offset: int = 0) -> list[Referral]:
    if actor.role not in ("provider", "call_taker", "admin"):
        raise Forbidden("this role does not see referrals")
    q = sa.select(Referral).order_by(Referral.id.desc()).limit(limit).offset(offset)
    if actor.role == "provider":
        q = q.where(Referral.organization_id == actor.organization_id)
    if status:
        q = q.where(Referral.status == status)
    with store.read() as s:
        return list(s.scalars(q))


def transition_referral(store: Store, actor: Actor, referral_id: int, action: str, *,
                        outcome: str | None = None, reason: str | None = None) -> Referral:
    """Move a referral along created → accepted → en_route → on_scene → closed (or → declined)."""
    return transition_referral_at(store, actor, referral_id, action, outcome=outcome, reason=reason)


def transition_referral_at(store: Store, actor: Actor, referral_id: int, action: str, *,
                           outcome: str | None = None, reason: str | None = None,
                           at: datetime | None = None) -> Referral:
    """`transition_referral` with the step's time given (replaying a log or a simulated year);
    the audit row keeps the real time and records the event time."""
    if action not in ACTIONS:
        raise BadInput(f"unknown referral action {action!r}")
    if action == "outcome" and outcome not in OUTCOMES:
        raise BadInput(f"outcome must be one of {', '.join(OUTCOMES)}")
    if reason is not None and reason not in DECLINE_REASONS:
        raise BadInput(f"decline reason must be one of {', '.join(DECLINE_REASONS)}")
    if actor.role not in ("provider", "admin"):
        raise Forbidden("only the provider organization updates a referral")
    with store.write() as s:
        ref = s.get(Referral, referral_id, with_for_update=s.get_bind().dialect.name == "postgresql")
        if ref is None or not _visible(actor, ref):
            raise NotFound(f"referral {referral_id} not found")
        step = _TRANSITIONS[ref.status].get(action)
        if step is None:
            raise Conflict(f"referral {referral_id} is {ref.status}; cannot {action}")
        old = ref.status
        now = at or datetime.now(UTC)
        ref.status = step[0]
        setattr(ref, step[1], now)
        if action == "outcome":
            ref.outcome = outcome
        if action == "decline":
            ref.decline_reason = reason
        s.flush()
        audit.append(s, store.audit_keys, actor=actor.username, action=f"referral.{action}",
                     entity=f"referral:{ref.id}",
                     inputs={"outcome": outcome, "reason": reason, "from": old, **_backdated(at)},
                     result={"status": ref.status})
        return ref


# ---------------------------------------------------------------- directory versions
def publish_directory(store: Store, actor: Actor, hsds: Any) -> DirectoryVersion:
    text = audit.canonical_json(hsds)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with store.write() as s:
        ver = DirectoryVersion(created_by=actor.user_id, content_hash=digest, hsds_json=text,
                               created_at=datetime.now(UTC))
        s.add(ver)
        s.flush()
        audit.append(s, store.audit_keys, actor=actor.username, action="directory.publish",
                     entity=f"directory:{ver.id}",
                     inputs={"content_hash": digest}, result={"id": ver.id})
        return ver


def latest_directory(store: Store) -> tuple[int, str, Any] | None:
    with store.read() as s:
        ver = s.scalar(sa.select(DirectoryVersion).order_by(DirectoryVersion.id.desc()).limit(1))
    return None if ver is None else (ver.id, ver.content_hash, json.loads(ver.hsds_json))


# ---------------------------------------------------------------- aggregates
def _counts(store: Store, *cols: Any, join_referrals: bool = False) -> list[tuple[Any, ...]]:
    q: Any
    if join_referrals:
        q = sa.select(*cols, sa.func.count(Referral.id)).select_from(Referral).join(DecisionRecord)
    else:
        q = sa.select(*cols, sa.func.count(DecisionRecord.id)).select_from(DecisionRecord)
    q = q.group_by(*cols).order_by(*cols)
    with store.read() as s:
        return [tuple(r) for r in s.execute(q)]


def suppress_small(cells: list[dict[str, Any]], key: str = "count", threshold: int = SMALL_CELL
                   ) -> list[dict[str, Any]]:
    """Blank counts under `threshold`; if exactly one cell was blanked, also blank the next smallest,
    so a published total cannot give the hidden cell back by subtraction."""
    out = [dict(c, suppressed=False) for c in cells]
    small = [c for c in out if 0 < c[key] < threshold]
    for c in small:
        c[key], c["suppressed"] = None, True
    if len(small) == 1:
        rest = sorted((c for c in out if not c["suppressed"]), key=lambda c: c[key])
        if rest:
            rest[0][key], rest[0]["suppressed"] = None, True
    return out


def public_stats(store: Store) -> dict[str, Any]:
    """Counts a member of the public may see: decisions by pathway and category, outcomes."""
    by_pathway = [{"pathway": p, "count": n} for p, n in _counts(store, DecisionRecord.pathway)]
    by_category = [{"category": c, "count": n} for c, n in _counts(store, DecisionRecord.category)]
    outcomes = [{"outcome": o, "count": n}
                for o, n in _counts(store, Referral.outcome, join_referrals=True) if o is not None]
    total = sum(c["count"] for c in by_pathway)
    return {
        "total_decisions": total if total >= SMALL_CELL else None,
        "by_pathway": suppress_small(by_pathway),
        "by_category": suppress_small(by_category),
        "referral_outcomes": suppress_small(outcomes),
        "suppression_threshold": SMALL_CELL,
        "source": "altresponse operational store (live decisions and referrals)",
    }


def _median_seconds(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def analyst_stats(store: Store) -> dict[str, Any]:
    """Aggregates for analysts: no call reference, no location finer than area."""
    by_type = [{"pathway": p, "common_type": t, "count": n}
               for p, t, n in _counts(store, DecisionRecord.pathway, DecisionRecord.common_type)]
    by_version = [{"protocol_version": v, "count": n}
                  for v, n in _counts(store, DecisionRecord.protocol_version)]
    by_area = [{"area": a, "pathway": p, "count": n}
               for a, p, n in _counts(store, DecisionRecord.area, DecisionRecord.pathway) if a is not None]
    status = [{"organization_id": o, "status": st, "count": n}
              for o, st, n in _counts(store, Referral.organization_id, Referral.status, join_referrals=True)]
    outcomes = [{"organization_id": o, "outcome": oc, "count": n}
                for o, oc, n in _counts(store, Referral.organization_id, Referral.outcome,
                                        join_referrals=True) if oc is not None]
    with store.read() as s:
        times = s.execute(sa.select(Referral.created_at, Referral.accepted_at, Referral.on_scene_at,
                                    Referral.closed_at)).all()
    to_accept = [(a - c).total_seconds() for c, a, _, _ in times if a is not None]
    to_scene = [(o - c).total_seconds() for c, _, o, _ in times if o is not None]
    to_close = [(z - c).total_seconds() for c, _, _, z in times if z is not None]
    return {
        "decisions_by_pathway_and_type": by_type,
        "decisions_by_protocol_version": by_version,
        "decisions_by_area": by_area,
        "referrals_by_status": status,
        "referral_outcomes": outcomes,
        "median_seconds": {
            "created_to_accepted": _median_seconds(to_accept), "n_accepted": len(to_accept),
            "created_to_on_scene": _median_seconds(to_scene), "n_on_scene": len(to_scene),
            "created_to_closed": _median_seconds(to_close), "n_closed": len(to_close),
        },
        "source": "altresponse operational store (live decisions and referrals)",
    }


def protocol_versions_seen(store: Store) -> list[dict[str, Any]]:
    q = (sa.select(DecisionRecord.protocol_version, DecisionRecord.protocol_hash,
                   sa.func.count(DecisionRecord.id), sa.func.min(DecisionRecord.created_at),
                   sa.func.max(DecisionRecord.created_at))
         .group_by(DecisionRecord.protocol_version, DecisionRecord.protocol_hash)
         .order_by(sa.func.min(DecisionRecord.created_at)))
    with store.read() as s:
        rows = s.execute(q).all()
    out = []
    for version, digest, n, first, last in rows:
        out.append({"protocol_version": version, "content_hash": digest, "decisions": n,
                    "first_used": _aware(first), "last_used": _aware(last)})
    return out


def _aware(value: Any) -> Any:
    # Aggregates bypass the column type; give SQLite's naive text back its zone.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
