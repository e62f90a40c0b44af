"""`altresponse city init`: onboard a new city's CAD export into a reviewed profile folder."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json

DEFAULT_SAMPLE = 500_000
_DELIMITERS = ",;\t|"


def read_export(paths: list[Path], limit: int) -> tuple[list[str], list[list[str]]]:
    """Header and up to `limit` records of one or more CSV exports that share a header."""
    from altresponse.sources.textcheck import inspect_file

    header: list[str] | None = None
    rows: list[list[str]] = []
    for path in paths:
        inspect_file(path)  # not found, empty, binary, JSON: a clear exit 2
        # Streamed, so a large export costs only the sample; bytes that are not UTF-8 are replaced here
        # (inference only), while ingest transcodes and flags them properly.
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
            head_text = fh.read(65536)
            try:
                delimiter = csv.Sniffer().sniff(head_text, delimiters=_DELIMITERS).delimiter
            except csv.Error:
                delimiter = ","
            fh.seek(0)
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                head = [h.strip().lstrip("\ufeff") for h in next(reader)]
            except StopIteration:
                raise BadInput("file has no header line", file=str(path)) from None
            if delimiter != ",":
                raise BadInput(f"the export is delimited by {delimiter!r}; city init reads comma-separated "
                               "files (save it as CSV)", file=str(path), line=1)
            if header is not None and head != header:
                raise BadInput(f"header differs from {paths[0].name}'s; give exports of one format together",
                               file=str(path), line=1)
            header = header or head
            for record in reader:
                if len(rows) >= limit:
                    break
                if any(v.strip() for v in record):
                    rows.append(record)
    assert header is not None
    if not rows:
        raise BadInput("no records: the export has only a header", file=str(paths[0]))
    return header, rows


def _only_builtin(package: str, suffix: str) -> str | None:
    """The name of the single built-in file of a kind (protocol, directory), if there is just one."""
    names = sorted(p.name[: -len(suffix)] for p in resources.files(package).iterdir()
                   if p.name.endswith(suffix))
    return names[0] if len(names) == 1 else None


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Onboard a new city: propose a profile from its own CAD export.",
                        no_args_is_help=True)

    @group.command("init")
    def init(
        exports: list[Path] = typer.Argument(..., help="The CAD export (CSV), one or more files."),
        name: str = typer.Option(..., "--name", help="The city or agency, as the pages should name it."),
        out: Path = typer.Option(..., "--out", help="Folder to write profile.yaml, mapping.yaml, "
                                 "crosswalk.csv and review.html into."),
        time_zone: str | None = typer.Option(None, "--time-zone", help="IANA time zone of the local times "
                                             "(needed when the data give no evidence)."),
        agency: str | None = typer.Option(None, "--agency", help="Agency code for the calls (default NAME)."),
        protocol: str | None = typer.Option(None, "--protocol", help="Protocol name or YAML (default: the "
                                            "one shipped, when there is one)."),
        directory: str | None = typer.Option(None, "--directory", help="Provider directory name or JSON."),
        sample: int = typer.Option(DEFAULT_SAMPLE, "--sample", min=100, help="Records to read at most."),
        known: list[str] = typer.Option([], "--known", help="Reviewed crosswalks the suggester learns from "
                                        "(repeat; default: every one shipped)."),
        force: bool = typer.Option(False, "--force", help="Overwrite a profile already in --out."),
        json_out: bool = typer.Option(False, "--json", help="Print the inferred roles as JSON (last line)."),
    ) -> None:
        """Read a sample of the export, propose each column's role, and write a profile folder to review."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from altresponse.fsio import write_text_atomic
        from altresponse.onboard.infer import infer_export
        from altresponse.onboard.write import crosswalk_for, mapping_yaml, profile_yaml, review_html
        from altresponse.profile import load_profile
        from altresponse.sources.mapping import load_map
        from altresponse.taxonomy import BUILTIN_CROSSWALKS, load_catalogue
        from altresponse.taxonomy.suggest import Suggester

        if time_zone:
            try:
                ZoneInfo(time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise BadInput(f"unknown time zone {time_zone!r} (expected an IANA name such as "
                               "America/Chicago)", column="--time-zone") from None
        if (out / "profile.yaml").exists() and not force:
            raise BadInput(f"{out / 'profile.yaml'} exists; give --force to overwrite it", column="--out")
        chosen_protocol = protocol or _only_builtin("altresponse.protocol", ".yaml")
        if chosen_protocol is None:
            raise BadInput("give --protocol NAME|FILE: the profile must name the triage protocol")
        chosen_directory = directory or _only_builtin("altresponse.directory", ".json")
        header, rows = read_export(exports, sample)
        suggester = Suggester.from_crosswalks(known or list(BUILTIN_CROSSWALKS))
        prop = infer_export(header, rows, suggester, time_zone)
        if prop.time_zone is None:
            evidence = prop.time_zone_evidence or "no coordinates to place it"
            raise BadInput(f"the export gives no evidence of its time zone ({evidence}); give --time-zone, "
                           "e.g. --time-zone America/New_York", column="--time-zone")
        catalogue = load_catalogue()
        code = (agency or name).strip().upper().replace(" ", "_")
        crosswalk = crosswalk_for(prop, name, suggester, catalogue)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "mapping.yaml", mapping_yaml(prop, name, code))
        write_text_atomic(out / "crosswalk.csv", crosswalk.to_csv_text())
        write_text_atomic(out / "profile.yaml",
                          profile_yaml(prop, name, code, chosen_protocol, chosen_directory))
        write_text_atomic(out / "review.html", review_html(prop, name, crosswalk, str(out)))
        load_profile(out)  # what was written must load: a failure here is ours (exit 1)
        load_map(out / "mapping.yaml")
        total = sum(prop.call_types.values()) or 1
        covered = sum(e.calls or 0 for e in crosswalk.entries)
        summary = {**prop.as_dict(), "out": str(out), "files": {
            k: str(out / k) for k in ("profile.yaml", "mapping.yaml", "crosswalk.csv", "review.html")},
            "accepted_types": len(crosswalk), "needs_review_types": len(crosswalk.pending),
            "accepted_call_share": round(covered / total, 4)}
        if json_out:
            emit_json(summary)
            return
        typer.echo(f"read {prop.rows:,} records from {len(exports)} file(s); proposed roles:")
        for role, column in prop.roles.items():
            typer.echo(f"  {role:<16} {column}")
        typer.echo(f"time zone {prop.time_zone} ({prop.time_zone_evidence})")
        typer.echo(f"{len(crosswalk):,} call types accepted automatically ({100 * covered / total:.1f}% of "
                   f"records); {len(crosswalk.pending):,} need review: open {out / 'review.html'}")
        typer.echo(f"then: altresponse ingest EXPORT --profile {out} --out calls.parquet")

    app.add_typer(group, name="city")
