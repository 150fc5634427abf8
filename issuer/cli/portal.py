"""`ler staff`: sponsor staff accounts for the web console (the first administrator, and lost passwords)."""

from __future__ import annotations


import click

from issuer.cli import CliError, main, services


@main.group()
def staff() -> None:
    """Staff accounts of the sponsor console (/portal)."""


def _link(base_url: str, token: str) -> str:
    return f"{base_url}/portal/password/{token}"


@staff.command("create")
@click.option("--sponsor", "sponsor_name", required=True, help="Sponsor name or slug.")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["administrator", "coordinator", "journeyworker", "viewer"]))
@click.option("--name", help="Full name (default: the part of the email before the @).")
def staff_create(sponsor_name, email, role, name) -> None:
    """Create a staff account and print its one-time link to set a password (valid 72 hours)."""
    from issuer.db import session_scope
    from issuer.portal.roles import PortalError
    from issuer.portal.accounts import create_staff
    from issuer.sponsors.services import find_sponsor
    svc = services()
    try:
        with session_scope(svc.sessions) as session:
            sponsor = find_sponsor(session, sponsor_name)
            if sponsor is None:
                raise CliError(f"no sponsor {sponsor_name!r}: create it with 'ler sponsors create NAME'")
            account, token = create_staff(session, sponsor, email, name or email.split("@")[0], role)
            email = account.email
    except PortalError as exc:
        raise CliError(exc.message) from None
    click.echo(f"{role} {email} created for {sponsor_name}")
    click.echo(f"set-password link (works once, within 72 hours): {_link(svc.config.base_url, token)}")


@staff.command("password-link")
@click.option("--email", required=True)
@click.option("--sponsor", "sponsor_name", help="Sponsor name or slug (needed when the address is staff at several).")
def staff_password_link(email, sponsor_name) -> None:
    """Print a new one-time link to set the password of an existing account."""
    from sqlalchemy import select

    from issuer.db import session_scope
    from issuer.portal.accounts import password_link
    from issuer.portal.models import StaffAccount
    from issuer.sponsors.models import Sponsor
    from issuer.sponsors.services import find_sponsor
    svc = services()
    with session_scope(svc.sessions) as session:
        query = select(StaffAccount).where(StaffAccount.email == email.strip().lower())
        if sponsor_name:
            sponsor = find_sponsor(session, sponsor_name)
            if sponsor is None:
                raise CliError(f"no sponsor {sponsor_name!r}")
            query = query.where(StaffAccount.sponsor_id == sponsor.id)
        accounts = list(session.scalars(query))
        if not accounts:
            raise CliError(f"no staff account {email!r}" + (f" at {sponsor_name}" if sponsor_name else ""))
        if len(accounts) > 1:
            # The operator sees every sponsor; an account is each sponsor's own (see StaffAccount).
            names = ", ".join(session.get(Sponsor, a.sponsor_id).name for a in accounts)
            raise CliError(f"{email} is staff at several sponsors ({names}): name one with --sponsor")
        token = password_link(session, accounts[0])
    click.echo(f"set-password link (works once, within 72 hours): {_link(svc.config.base_url, token)}")
