"""The `ler` command. It parses, calls the package, prints; the work happens elsewhere.

One module per domain registers its commands on `main`; this module holds what they share.
"""

from __future__ import annotations

import json
import sys

import click

from issuer.config import Config
from issuer.errors import LerError
from issuer.proofs.identity import IssuerIdentity
from issuer.proofs.keys import KeyStore

MAX_INPUT_BYTES = 2 * 1024 * 1024


class CliError(click.ClickException):
    """A message for the user and exit status 1 (click prints 'Error: ...')."""


def config() -> Config:
    return Config.from_env()


def identity(cfg: Config) -> IssuerIdentity:
    return IssuerIdentity(KeyStore(cfg.keys_dir, cfg.key_passphrase), cfg.base_url)


def services():
    """The full service (database migrated, catalog loaded, keys ready), for data commands."""
    from issuer.app import build_services
    try:
        return build_services(config())
    except LerError as exc:
        raise CliError(str(exc)) from None


def read_input(path: str) -> bytes:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise click.ClickException(f"{path} is larger than {MAX_INPUT_BYTES} bytes")
    return data


def read_json_object(path: str) -> dict:
    data = read_input(path)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise click.ClickException(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise click.ClickException(f"{path} does not hold a JSON object")
    return value


@click.group()
@click.version_option(package_name="ler-issuer")
@click.pass_context
def main(ctx: click.Context) -> None:
    """ler: issue and verify signed LER credentials for registered apprenticeships."""
    import getpass

    from issuer.audit import Actor, acting_as
    # Whatever a command changes is recorded in the audit log as done by the operator's account.
    ctx.with_resource(acting_as(Actor(f"command line ({getpass.getuser()})")))


def _register_commands() -> None:
    """Each module of this package decorates `main` when imported; a new one needs no edit here."""
    import importlib
    import pkgutil
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_register_commands()
