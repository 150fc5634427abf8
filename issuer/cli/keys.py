"""`ler keys generate|list|rotate`."""

from __future__ import annotations

import json

import click

from issuer.cli import CliError, config, identity, main
from issuer.errors import LerError
from issuer.proofs.keys import FAMILIES

@main.group()
def keys() -> None:
    """Manage the issuer's signing keys (kept encrypted in keys/)."""


@keys.command("generate")
@click.option("--family", type=click.Choice(FAMILIES), default="Ed25519", show_default=True)
def keys_generate(family: str) -> None:
    """Create the first active key of a family."""
    ident = identity(config())
    try:
        record = ident.keystore.generate(family)
    except LerError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"generated {family} key {record.key_id}")
    click.echo(f"verification method: {ident.did}#{record.key_id}")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def keys_list(as_json: bool) -> None:
    """List every key, active and retired (public halves only)."""
    ident = identity(config())
    try:
        records = ident.keystore.records()
    except LerError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        click.echo(json.dumps([{**r.summary(), "verificationMethod": f"{ident.did}#{r.key_id}"} for r in records],
                              indent=2))
        return
    if not records:
        click.echo("no keys yet: 'ler keys generate' or 'ler serve' creates one")
    for r in records:
        click.echo(f"{r.status:8} {r.family:8} {r.created}  {ident.did}#{r.key_id}")


@keys.command("rotate")
@click.option("--family", type=click.Choice(FAMILIES), default="Ed25519", show_default=True)
def keys_rotate(family: str) -> None:
    """Make a new active key; the old one is retired but stays published for verification."""
    ident = identity(config())
    try:
        new, old = ident.keystore.rotate(family)
    except LerError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"active: {ident.did}#{new.key_id}")
    if old:
        click.echo(f"retired: {ident.did}#{old.key_id} (still published, so its credentials keep verifying)")

