"""`ler sponsors show|rotate-key|withdraw-key`: a sponsor's identifiers and its own signing keys."""

from __future__ import annotations

import json

import click

from issuer.cli import CliError, services
from issuer.cli.records import _sponsor, sponsors
from issuer.proofs.keys import FAMILIES


def _keys_command(name: str, action):
    """Run `action(svc, session, sponsor)` in one transaction; LerErrors become CLI messages."""
    from issuer.db import session_scope
    from issuer.errors import LerError
    svc = services()
    try:
        with session_scope(svc.sessions) as session:
            return action(svc, session, _sponsor(session, name))
    except LerError as exc:
        raise CliError(str(exc)) from None


@sponsors.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def sponsors_show(name, as_json) -> None:
    """The sponsor's identifiers (what it may name as issuer) and its keys."""
    summary = _keys_command(name, lambda svc, session, sponsor: svc.keys.summary(session, sponsor))
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{summary['name']} ({summary['slug']})")
    for identifier in summary["identifiers"]:
        click.echo(f"  issues as {identifier}")
    for key in summary["keys"]:
        click.echo(f"  {key['status']:9} {key['family']:8} {key['created']}  {key['verificationMethod']}")


@sponsors.command("rotate-key")
@click.argument("name")
@click.option("--family", type=click.Choice(FAMILIES), default="Ed25519", show_default=True)
def sponsors_rotate_key(name, family) -> None:
    """A new signing key for this sponsor alone; the old one stays published for verification."""
    def rotate(svc, session, sponsor):
        new, old = svc.keys.rotate(session, sponsor, family)
        return svc.identity.sponsor_did(sponsor.slug), new.id, old.id if old else None
    did, new, old = _keys_command(name, rotate)
    click.echo(f"active: {did}#{new}")
    if old:
        click.echo(f"retired: {did}#{old} (still published, so its credentials keep verifying)")


@sponsors.command("withdraw-key")
@click.argument("name")
@click.argument("key_id")
def sponsors_withdraw_key(name, key_id) -> None:
    """Unpublish a lost or compromised key: what it signed stops verifying. An active key is
    replaced at once."""
    def withdraw(svc, session, sponsor):
        _, replacement = svc.keys.withdraw(session, sponsor, key_id)
        return svc.identity.sponsor_did(sponsor.slug), replacement.id if replacement else None
    did, replacement = _keys_command(name, withdraw)
    click.echo(f"withdrawn: {did}#{key_id} (no longer published; what it signed no longer verifies)")
    if replacement:
        click.echo(f"active: {did}#{replacement}")
