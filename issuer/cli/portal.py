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
def staff_password_link(email) -> None:
    """Print a new one-time link to set the password of an existing account."""
    from sqlalchemy import select

    from issuer.db import session_scope
    from issuer.portal.models import StaffAccount
    from issuer.portal.accounts import password_link
    svc = services()
    with session_scope(svc.sessions) as session:
        account = session.scalars(select(StaffAccount).where(StaffAccount.email == email.strip().lower())).first()
        if account is None:
            raise CliError(f"no staff account {email!r}")
        token = password_link(session, account)
    click.echo(f"set-password link (works once, within 72 hours): {_link(svc.config.base_url, token)}")
