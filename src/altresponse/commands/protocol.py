"""`altresponse protocol show|decide`: read the triage protocol and route one call by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json


def _protocol_summary(proto: Any) -> dict[str, Any]:
    rules = []
    for r in proto.rules:
        base = proto.outcomes[r.outcome]
        match = {"mpds_codes": r.mpds_codes, "common_types": r.common_types, "categories": r.categories}
        rules.append({
            "id": r.id,
            "title": r.title,
            "match": {k: sorted(v) for k, v in match.items() if v is not None},
            "pathway": base.pathway,
            "responder": base.responder,
            "reason": base.reasons[0],
            "screens": [s.id for s in r.screens],
        })
    return {
        "name": proto.name,
        "version": proto.version,
        "content_hash": proto.content_hash,
        "title": proto.title,
        "questions": [{"id": q.id, "ask": q.ask, "help": q.help, "values": list(q.values)}
                      for q in proto.questions],
        "rules": rules,
        "fallbacks": {k: list(v) for k, v in proto.fallbacks.items()},
    }


def _routes(screens: list[dict[str, Any]], responders: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for sc in screens or []:
        for value, target in (sc.get("route") or {}).items():
            pathway = str(target.get("pathway"))
            proceed = pathway == "proceed"
            responder = "" if proceed else target.get("responder") or responders.get(pathway, "")
            out.append({"screen": sc["id"], "question": sc["question"], "answer": str(value),
                        "pathway": "(keep the rule's)" if proceed else pathway, "responder": responder,
                        "reason": target.get("reason", "")})
    return out


def protocol_html(proto: Any) -> str:
    """A self-contained page a call-taker or supervisor can read: questions, screens, rules, fallbacks."""
    from altresponse.report.page import Section, paragraph, render_page
    from altresponse.report.tables import html_table, records_table

    summary = _protocol_summary(proto)
    questions = html_table(
        ["#", "id", "question", "help", "answers"],
        [[i, q["id"], q["ask"], q["help"], " | ".join(q["values"])]
         for i, q in enumerate(summary["questions"], 1)])
    responders = dict(proto.responders)
    safety = records_table(_routes(list(proto.raw.get("safety_screens") or []), responders),
                           ["screen", "question", "answer", "pathway", "responder", "reason"])
    rules = html_table(
        ["rule", "matches", "pathway", "responder", "reason"],
        [[r["id"], "; ".join(f"{k}: {', '.join(v)}" for k, v in r["match"].items()) or "every call",
          r["pathway"], r["responder"], r["reason"]] for r in summary["rules"]])
    own = []
    for r in proto.raw.get("rules") or []:
        for row in _routes(list(r.get("screens") or []), responders):
            own.append({"rule": r["id"], **row})
    rule_screens = records_table(own, ["rule", "screen", "question", "answer", "pathway", "responder",
                                       "reason"])
    fallbacks = html_table(["pathway", "falls back to"],
                           [[k, " → ".join(v) or "—"] for k, v in summary["fallbacks"].items()])
    sections = [
        Section("Screening questions",
                paragraph("Ask in this order: scene safety first. A question not asked counts as unknown.")
                + questions),
        Section("Safety screens (every alternative call)",
                paragraph("The first listed answer that applies decides. Unknown always goes to a safer "
                          "pathway.") + safety),
        Section("Rules (first match wins)", rules),
        Section("Rule-specific screens", rule_screens),
        Section("Fallbacks when no provider can take the call", fallbacks),
    ]
    return render_page(f"{proto.title}", sections,
                       meta={"version": proto.version, "content hash (sha256)": proto.content_hash})


def _category_for(common_type: str) -> str:
    try:
        from altresponse.taxonomy import load_catalogue
    except ImportError as exc:  # pragma: no cover - taxonomy ships with the package
        raise BadInput("give --category (the taxonomy catalogue is not available)") from exc
    types = load_catalogue().types
    if common_type not in types:
        raise BadInput(f"unknown common incident type {common_type!r}: give a taxonomy id or pass "
                       "--category explicitly", column="--type")
    return str(types[common_type].category)


PROFILE_HELP = "City profile whose protocol and directory to use (name, YAML or `city init` folder)."


def chosen(kind: str, given: str | None, profile: str | None) -> str:
    """The protocol or directory given, else the profile's; without either ask for one (exit 2)."""
    if given:
        return given
    if profile:
        from altresponse.profile import load_profile

        value = getattr(load_profile(profile), kind)
        if value:
            return str(value)
        raise BadInput(f"the profile {profile!r} names no {kind}; give --{kind}", column=f"--{kind}")
    raise BadInput(f"give --{kind} NAME|FILE or --profile NAME|FILE|FOLDER; nothing falls back to a city",
                   column=f"--{kind}")


def _parse_answers(items: list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise BadInput(f"--answer {item!r}: expected QUESTION=VALUE, e.g. weapon=no", column="--answer")
        key, value = item.split("=", 1)
        answers[key.strip()] = value.strip()
    return answers


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The versioned triage protocol: questions, rules, decisions.",
                        no_args_is_help=True)

    @group.command("show")
    def show(
        protocol: str | None = typer.Option(None, "--protocol", help="Protocol name or YAML path."),
        profile: str | None = typer.Option(None, "--profile", envvar="ALTRESPONSE_PROFILE",
                                           help=PROFILE_HELP),
        html_out: Path = typer.Option(None, "--html", help="Also write the protocol as an HTML page."),
        json_out: bool = typer.Option(False, "--json", help="Print the protocol as JSON (last stdout line)."),
    ) -> None:
        """Print the protocol's version, questions in asking order, and rules in matching order."""
        from altresponse.fsio import write_text_atomic
        from altresponse.protocol import load_protocol

        proto = load_protocol(chosen("protocol", protocol, profile))
        summary = _protocol_summary(proto)
        if html_out is not None:
            write_text_atomic(html_out, protocol_html(proto))
            summary = {**summary, "html": str(html_out)}
        typer.echo(f"{proto.title}\nversion {proto.version}\n\nQuestions (asked in this order):")
        for i, q in enumerate(proto.questions, 1):
            typer.echo(f"  {i:2d}. [{q.id}] {q.ask}  ({' | '.join(q.values)})")
        typer.echo("\nRules (first match wins):")
        for r in summary["rules"]:
            match = "; ".join(f"{k}={','.join(v)}" for k, v in r["match"].items()) or "every call"
            typer.echo(f"  {r['id']:<18} {match}")
            typer.echo(f"  {'':<18} -> {r['pathway']} ({r['responder']}): {r['reason']}")
        if json_out:
            emit_json(summary)

    @group.command("decide")
    def decide_cmd(
        common_type: str = typer.Option(..., "--type", help="Common incident type id (e.g. welfare_check)."),
        category: str = typer.Option(None, "--category", help="Category; from the taxonomy if omitted."),
        mpds: str = typer.Option(None, "--mpds", help="MPDS determinant code, e.g. 25A01."),
        answer: list[str] = typer.Option([], "--answer", help="Screening answer QUESTION=VALUE (repeatable); "
                                         "unanswered questions count as unknown."),
        lon: float = typer.Option(None, "--lon", help="Longitude of the call, for the directory match."),
        lat: float = typer.Option(None, "--lat", help="Latitude of the call, for the directory match."),
        at: datetime = typer.Option(None, "--at", help="Local date-time of the call (default now)."),
        protocol: str | None = typer.Option(None, "--protocol", help="Protocol name or YAML path."),
        directory: str | None = typer.Option(None, "--directory", help="Directory name or HSDS JSON path."),
        profile: str | None = typer.Option(None, "--profile", envvar="ALTRESPONSE_PROFILE",
                                           help=PROFILE_HELP),
        json_out: bool = typer.Option(False, "--json", help="Print decision and match as JSON (last line)."),
    ) -> None:
        """Route one call: pathway, responder, rule ids and reasons, then who can take it now."""
        from altresponse.directory import load_directory, match
        from altresponse.protocol import CallFacts, decide, load_protocol

        proto = load_protocol(chosen("protocol", protocol, profile))
        directory = chosen("directory", directory, profile)
        answers = _parse_answers(answer)
        unknown = sorted(set(answers) - set(proto.question_ids))
        if unknown:
            expected = ", ".join(proto.question_ids)
            raise BadInput(f"unknown question(s) {', '.join(unknown)}; expected {expected}",
                           column="--answer")
        call = CallFacts(common_type, category or _category_for(common_type), mpds)
        decision = decide(proto, call, answers)
        directory_obj = load_directory(directory)
        when = at or datetime.now().astimezone()
        m = match(directory_obj, decision, lon, lat, when, common_type)
        typer.echo(f"pathway:   {decision.pathway}")
        typer.echo(f"responder: {decision.responder}")
        typer.echo(f"rules:     {', '.join(decision.rule_ids)}")
        typer.echo(f"protocol:  {decision.protocol_version}")
        for reason in decision.reasons:
            typer.echo(f"  - {reason}")
        typer.echo(f"match:     {m.pathway}{' (fallback)' if m.fallback_used else ''}")
        for o in m.options:
            phone = f" phone {o.phone}" if o.phone else ""
            typer.echo(f"  * {o.name} ({o.organization or 'dispatch'}){phone}")
        for reason in m.reasons:
            typer.echo(f"  - {reason}")
        for o in m.referrals:
            typer.echo(f"  referral: {o.name}")
        if json_out:
            emit_json({"call": {"common_type": call.common_type, "category": call.category,
                                "mpds_code": call.mpds_code, "answers": answers},
                       "decision": decision.to_dict(), "match": m.to_dict()})

    app.add_typer(group, name="protocol")
