"""`ler records show` and `ler records refresh`: the apprenticeship records (CLR 2.0) of
enrolments, as `issuer.issuance.records` keeps them."""

from __future__ import annotations

import json

import click

from issuer.cli import CliError, main, services


@main.group("records")
def records_group() -> None:
    """Apprenticeship records (CLR 2.0): one per enrolment, a new version when its credentials change."""


def _line(enrollment, version, base_url: str) -> str:
    return (f"enrolment {enrollment.id} ({enrollment.program_id}): version {version.version}, issued "
            f"{version.issued_at:%Y-%m-%d %H:%M}, {len(version.credential_ids)} credential(s): "
            f"{base_url}/records/{version.id}")


@records_group.command("show")
@click.argument("enrollment_id", type=int, required=False)
@click.option("--apprentice", help="Every enrolment of this apprentice (our id or the sponsor's).")
@click.option("--sponsor", "sponsor_name", help="The apprentice's sponsor (name or slug), when there are several.")
@click.option("--json", "as_json", is_flag=True, help="The current record itself (signed JSON), one per line.")
def records_show(enrollment_id, apprentice, sponsor_name, as_json) -> None:
    """The current record of ENROLLMENT_ID, or of each enrolment of --apprentice, made now if the
    credentials held changed since its newest version; and its earlier versions."""
    from issuer.cli.records import _sponsor
    from issuer.db import session_scope
    from issuer.issuance import records
    from issuer.progress.models import Enrollment
    from issuer.progress.services import find_apprentice
    if (enrollment_id is None) == (apprentice is None):
        raise CliError("name an enrolment (its id) or --apprentice, not both")
    svc = services()
    with session_scope(svc.sessions) as session:
        if apprentice is not None:
            row = find_apprentice(session, _sponsor(session, sponsor_name), apprentice)
            if row is None:
                raise CliError(f"no apprentice {apprentice!r}")
            ids = records.enrollment_ids(session, apprentice_id=row.id)
        else:
            if session.get(Enrollment, enrollment_id) is None:
                raise CliError(f"no enrolment {enrollment_id}")
            ids = [enrollment_id]
    for one in ids:
        with session_scope(svc.sessions) as session:
            enrollment = session.get(Enrollment, one)
            version = records.current(session, svc.issuance, one)
            if version is None:
                click.echo(f"enrolment {one} ({enrollment.program_id}): no record (no credential held)")
            elif as_json:
                click.echo(json.dumps(version.document, ensure_ascii=False, separators=(",", ":")))
            else:
                click.echo(_line(enrollment, version, svc.config.base_url))
                for older in reversed(records.versions(session, one)[:-1]):
                    click.echo(f"  earlier: version {older.version}, issued {older.issued_at:%Y-%m-%d %H:%M}: "
                               f"{svc.config.base_url}/records/{older.id}")


@records_group.command("refresh")
@click.option("--sponsor", "sponsor_name", help="Only this sponsor's enrolments (name or slug).")
def records_refresh(sponsor_name) -> None:
    """Bring every enrolment's record up to date (a backfill after the upgrade that added
    records, or a catch-up after batches): a new version where the credentials held changed;
    prints each version issued."""
    from issuer.db import session_scope
    from issuer.issuance import records
    from issuer.progress.models import Enrollment
    from issuer.sponsors.services import find_sponsor
    svc = services()
    with session_scope(svc.sessions) as session:
        sponsor_id = None
        if sponsor_name:
            sponsor = find_sponsor(session, sponsor_name)
            if sponsor is None:
                raise CliError(f"no sponsor {sponsor_name!r}")
            sponsor_id = sponsor.id
        ids = records.enrollment_ids(session, sponsor_id=sponsor_id)
    issued = 0
    # One transaction per enrolment: a long backfill never holds SQLite's write lock for long.
    for one in ids:
        with session_scope(svc.sessions) as session:
            for version in records.refresh(session, svc.issuance, [one]):
                issued += 1
                click.echo("issued " + _line(session.get(Enrollment, one), version, svc.config.base_url))
    click.echo(f"{issued} record version(s) issued; {len(ids)} enrolment(s) checked")
