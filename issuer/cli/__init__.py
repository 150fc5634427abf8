"""The `ler` command. It parses, calls the package, prints; the work happens elsewhere.

One module per domain registers its commands on `main`; this module holds what they share.
Start-up is kept near Python's own (benchmarks/startup.py): `ler --help` imports no command
module, a command imports only its own module, and a module imports what a command needs when
the command runs, so `ler verify` never loads the Flask app, the database layer's migrations or
the schema compiler it does not use.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from issuer.config import Config
    from issuer.proofs.identity import IssuerIdentity

MAX_INPUT_BYTES = 2 * 1024 * 1024

# Every top-level command: the modules of this package that define it (a group's subcommands may
# come from more than one) and the first paragraph of its help, which `ler --help` lists without
# importing anything. A module missing here still works (it is imported with every command, and
# for the help), only not lazily: tests/test_cli_startup.py asks for every module to be listed.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "batch": (("batch",), "Sponsor batches: validate a whole file, approve it, issue in the background."),
    "claim": (("delivery",), "Make a claim link and a wallet offer for CREDENTIAL_ID (any sponsor's: this is the "
                             "operator)."),
    "credentials": (("records", "status"), "Issued credentials."),
    "delivery": (("delivery",), "Wallet delivery housekeeping."),
    "import": (("records",), "Record progress rows from a CSV file; issue what they earn. Exit 1 if any row failed."),
    "keys": (("keys",), "Manage the issuer's signing keys (kept encrypted in keys/)."),
    "programs": (("records",), "Show the loaded programs."),
    "progress": (("records",), "An apprentice's progress (`ler progress APPRENTICE`), or `ler progress "
                               "rebuild`."),
    "records": (("apprenticeship_records",), "Apprenticeship records (CLR 2.0): one per enrolment, a new version "
                                              "when its credentials change."),
    "serve": (("serve",), "Start the service (migrates the database and creates the first key if needed)."),
    "sign": (("signing",), "Sign the credential in FILE ('-' for standard input) and print it."),
    "sponsors": (("records", "sponsor_keys", "status"), "Manage sponsors (tenants)."),
    "staff": (("portal",), "Staff accounts of the sponsor console (/portal)."),
    "verify": (("signing",), "Verify the credential in FILE (JSON, JWT, baked PNG or SVG; '-' for standard input)."),
    "worker": (("batch",), "Run batches from the Redis queue (LER_REDIS_URL); start one or more."),
}


def unlisted_modules() -> list[str]:
    """Modules of this package that COMMANDS does not name."""
    import pkgutil
    listed = {module for modules, _ in COMMANDS.values() for module in modules}
    return [m.name for m in pkgutil.iter_modules(__path__) if m.name not in listed]


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run, named from COMMANDS until then."""

    _listing = False

    def _load(self, modules) -> None:
        for module in modules:
            importlib.import_module(f"{__name__}.{module}")

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(unlisted_modules())
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if self._listing:  # `ler --help`: a name and its help are all that is shown
            if name not in self.commands and name in COMMANDS:
                return click.Command(name, help=COMMANDS[name][1])
            return self.commands.get(name)
        # Every module of the command, even when it is registered already: another module may
        # have imported one of them (a group's subcommands can come from several).
        self._load(COMMANDS[name][0] if name in COMMANDS else ())
        self._load(unlisted_modules())  # they may add subcommands to any group, or commands
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False


class CliError(click.ClickException):
    """A message for the user and exit status 1 (click prints 'Error: ...')."""


def config() -> Config:
    from issuer.config import Config
    return Config.from_env()


def identity(cfg: Config) -> IssuerIdentity:
    from issuer.proofs.identity import IssuerIdentity
    from issuer.proofs.keys import KeyStore
    return IssuerIdentity(KeyStore(cfg.keys_dir, cfg.key_passphrase), cfg.base_url)


def act_as_operator() -> None:
    """For as long as the command runs, what it changes is recorded in the audit log as done by
    the operator's account. Called where a command starts the service (the audit log needs the
    database layer, which `ler --help`, `ler verify` and `ler sign` never load for it)."""
    import getpass

    from issuer.audit import Actor, acting_as
    click.get_current_context().with_resource(acting_as(Actor(f"command line ({getpass.getuser()})")))


def services():
    """The full service (database migrated, catalog loaded, keys ready), for data commands."""
    from issuer.composition import build_services
    from issuer.errors import LerError
    act_as_operator()
    try:
        return build_services(config())
    except LerError as exc:
        raise CliError(str(exc)) from None


@contextlib.contextmanager
def data_session():
    """A database session of the full service (see `services`), committed when the block ends."""
    from issuer.db import session_scope
    with session_scope(services().sessions) as session:
        yield session


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


@click.group(cls=LazyGroup)
@click.version_option(package_name="ler-issuer")
def main() -> None:
    """ler: issue and verify signed LER credentials for registered apprenticeships."""



def run() -> None:
    """The `ler` script: `main`, then, when the command has finished and nothing else runs, an
    immediate exit. The interpreter's own teardown would free one by one everything the imports
    made (~0.2 s of `ler verify`'s ~1 s, measured with benchmarks/startup.py) for a process that
    ends anyway; what a normal exit does that matters (atexit handlers: logging's flush, the
    clean-up of temporary files; flushing standard output) is done first."""
    import atexit
    import os
    import threading
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    if threading.active_count() > 1:  # a thread still at work is waited for, as usual
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`ler ... | head`): what a normal exit would report, as its status
        code = 120
    os._exit(code)
