"""Data commands: sponsors, progress import, progress, programs, credentials."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from issuer.cli import CliError, data_session, main, read_input, services

def _sponsor(session, name: str | None):
    from sqlalchemy import select
    from issuer.sponsors.models import Sponsor
    from issuer.sponsors.services import find_sponsor
    if name:
        sponsor = find_sponsor(session, name)
        if sponsor is None:
            raise CliError(f"no sponsor {name!r}: create it with 'ler sponsors create NAME'")
        return sponsor
    sponsors = list(session.scalars(select(Sponsor)))
    if len(sponsors) != 1:
        raise CliError("name the sponsor with --sponsor" if sponsors else "no sponsor yet: 'ler sponsors create NAME'")
    return sponsors[0]


@main.group()
def sponsors() -> None:
    """Manage sponsors (tenants)."""


@sponsors.command("create")
@click.argument("name")
@click.option("--program", "programs", multiple=True, help="Program id the sponsor runs (default: all).")
def sponsors_create(name, programs) -> None:
    """Create a sponsor and print its API key (shown once, stored only as a hash)."""
    from issuer.db import session_scope
    from issuer.sponsors.services import SponsorError, create_sponsor
    svc = services()
    try:
        with session_scope(svc.sessions) as session:
            sponsor, key = create_sponsor(session, name, list(programs), keys=svc.keys)
            slug = sponsor.slug
    except SponsorError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"sponsor {name!r} created as {svc.identity.sponsor_did(slug)}")
    click.echo(f"API key (shown once; keep it safe): {key}")


@main.command("import")
@click.argument("file")
@click.option("--sponsor", "sponsor_name", help="Sponsor name (needed when there is more than one).")
@click.option("--dry-run", is_flag=True, help="Validate every row and report; record nothing.")
@click.option("--json", "as_json", is_flag=True)
def import_(file, sponsor_name, dry_run, as_json) -> None:
    """Record progress rows from a CSV file; issue what they earn. Exit 1 if any row failed."""
    from issuer.db import session_scope
    from issuer.workflow.importer import run_import
    data = read_input(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{file} is not UTF-8 text") from None
    svc = services()
    with session_scope(svc.sessions) as session:
        sponsor_id = _sponsor(session, sponsor_name).id
    report = run_import(svc.sessions, svc.issuance, sponsor_id, text, source=f"import:{Path(file).name}",
                        dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        if report.header_error:
            click.echo(f"error: {report.header_error}", err=True)
        for row in report.errors:
            click.echo(f"line {row.line}, column {row.column}: {row.message}", err=True)
        counts = report.counts()
        click.echo(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    if report.header_error and not report.rows:
        sys.exit(2)
    sys.exit(1 if report.errors or report.header_error else 0)


class _ShowByDefault(click.Group):
    """`ler progress APPRENTICE` shows an apprentice; `ler progress rebuild` is the subcommand."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] != "--help":
            args = ["show", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_ShowByDefault)
def progress() -> None:
    """An apprentice's progress (`ler progress APPRENTICE`), or `ler progress rebuild`."""


@progress.command("rebuild")
@click.argument("apprentice", required=False)
@click.option("--sponsor", "sponsor_name")
def progress_rebuild(apprentice, sponsor_name) -> None:
    """Recompute running states from the whole ledgers (every enrolment, or APPRENTICE's)."""
    from sqlalchemy import select
    from issuer.db import session_scope
    from issuer.progress.models import Enrollment
    from issuer.progress.services import find_apprentice
    from issuer.workflow.earning import rebuild_state
    svc = services()
    with session_scope(svc.sessions) as session:
        query = select(Enrollment.id).order_by(Enrollment.id)
        if apprentice:
            row = find_apprentice(session, _sponsor(session, sponsor_name), apprentice)
            if row is None:
                raise CliError(f"no apprentice {apprentice!r}")
            query = query.where(Enrollment.apprentice_id == row.id)
        ids = list(session.scalars(query))
    changed = 0
    for enrollment_id in ids:   # one transaction each: a long rebuild never holds every lock
        with session_scope(svc.sessions) as session:
            changed += rebuild_state(session, session.get(Enrollment, enrollment_id))
    click.echo(f"{len(ids)} enrolment(s) rebuilt from their ledgers; {changed} stored state(s) differed or were missing")


@progress.command("show")
@click.argument("apprentice")
@click.option("--sponsor", "sponsor_name")
@click.option("--json", "as_json", is_flag=True)
def progress_show(apprentice, sponsor_name, as_json) -> None:
    """Every achievement of APPRENTICE (our id or the sponsor's), with what is still missing."""
    from sqlalchemy import select
    from issuer.db import session_scope
    from issuer.workflow.earning import progress_of
    from issuer.progress.models import Enrollment
    from issuer.progress.services import find_apprentice
    from issuer.progress.summary import progress_json
    svc = services()
    with session_scope(svc.sessions) as session:
        row = find_apprentice(session, _sponsor(session, sponsor_name), apprentice)
        if row is None:
            raise CliError(f"no apprentice {apprentice!r}")
        out = [progress_json(e, progress_of(session, e)[2])
               for e in session.scalars(select(Enrollment).where(Enrollment.apprentice_id == row.id))]
    if as_json:
        click.echo(json.dumps({"apprentice": row.id, "programs": out}, indent=2))
        return
    for program in out:
        click.echo(f"{program['program']}:")
        for a in program["achievements"]:
            click.echo(f"  [{'x' if a['earned'] else ' '}] {a['title']} ({a['done']} of {a['needed']})")
            for missing in a["missing"][:10]:
                click.echo(f"        missing {missing}")


@main.group()
def programs() -> None:
    """Show the loaded programs."""


def _program_summary(document: dict) -> dict:
    ri = document.get("related_instruction") or {}
    return {
        "id": document["id"], "version": document["version"], "title": document["title"],
        "approach": document["approach"], "onet_soc": document.get("onet_soc"),
        "rapids_code": document.get("rapids_code"), "term": document.get("term"), "hybrid": document.get("hybrid"),
        "frameworks": document.get("frameworks", []),
        "work_processes": [{"id": w["id"], "title": w["title"], "hours": w.get("hours")}
                           for w in document.get("work_processes") or []],
        "related_instruction": {"hours_per_year": ri.get("hours_per_year"), "total_hours": ri.get("total_hours"),
                                "courses": [{"id": c["id"], "title": c["title"], "hours": c.get("hours")}
                                            for c in ri.get("courses") or []]},
        "competencies": [{"id": c["id"], "text": c["text"]} for c in document.get("competencies") or []],
        "competency_levels": document.get("competency_levels", []),
    }


@programs.command("list")
@click.option("--json", "as_json", is_flag=True)
def programs_list(as_json) -> None:
    from issuer.db import session_scope
    from issuer.programs.catalog import all_latest_programs
    svc = services()
    with session_scope(svc.sessions) as session:
        docs = [p.document for p in all_latest_programs(session)]
    if as_json:
        click.echo(json.dumps([_program_summary(d) for d in docs], indent=2, ensure_ascii=False))
        return
    for d in docs:
        click.echo(f"{d['id']:28} v{d['version']:4} {d['approach']:17} {d.get('onet_soc') or '-':11} "
                   f"{d.get('rapids_code') or '-':7} {d['title']}")


@programs.command("show")
@click.argument("program_id")
@click.option("--json", "as_json", is_flag=True)
def programs_show(program_id, as_json) -> None:
    """The latest version of PROGRAM_ID: its approach, codes, achievements and frameworks."""
    from issuer.programs.catalog import frameworks_of, latest_program
    with data_session() as session:
        row = latest_program(session, program_id)
        if row is None:
            raise CliError(f"no program {program_id!r}; 'ler programs list' shows them")
        summary = _program_summary(row.document)
        summary["frameworks"] = [{"id": f.framework_id, "version": f.version,
                                  "levels": [{"id": lvl["id"], "label": lvl["label"],
                                              "statements": [s["id"] for s in lvl["statements"]]}
                                             for lvl in f.document["levels"]]}
                                 for f in frameworks_of(session, row)]
    click.echo(json.dumps(summary, indent=2, ensure_ascii=False) if as_json else
               "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in summary.items()))


@main.group()
def credentials() -> None:
    """Issued credentials."""


@credentials.command("list")
@click.option("--apprentice")
@click.option("--sponsor", "sponsor_name")
@click.option("--json", "as_json", is_flag=True, help="One signed credential (JSON) per line.")
def credentials_list(apprentice, sponsor_name, as_json) -> None:
    from sqlalchemy import select
    from issuer.db import session_scope
    from issuer.issuance.models import IssuedCredential
    from issuer.progress.services import find_apprentice
    svc = services()
    with session_scope(svc.sessions) as session:
        query = select(IssuedCredential).order_by(IssuedCredential.issued_at)
        if sponsor_name or apprentice:
            sponsor = _sponsor(session, sponsor_name)
            query = query.where(IssuedCredential.sponsor_id == sponsor.id)
            if apprentice:
                row = find_apprentice(session, sponsor, apprentice)
                if row is None:
                    raise CliError(f"no apprentice {apprentice!r}")
                query = query.where(IssuedCredential.apprentice_id == row.id)
        rows = list(session.scalars(query))
    for row in rows:
        if as_json:
            click.echo(json.dumps(row.document, ensure_ascii=False, separators=(",", ":")))
        else:
            flag = "  FLAGGED for revocation" if row.flagged_for_revocation else ""
            click.echo(f"{row.id}  {row.achievement_key:45} {row.document.get('name')}{flag}")

