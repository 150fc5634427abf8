"""`ler credentials revoke|suspend|reinstate ID --reason TEXT` and `ler credentials status ID`:
the operator's hand on any sponsor's credential, recorded as `cli:<user>` in the audit trail."""

from __future__ import annotations

import getpass
import json

import click

from issuer.cli import CliError, services
from issuer.cli.records import credentials


def _change(credential_id: str, action: str, reason: str, as_json: bool) -> None:
    from issuer.db import session_scope
    from issuer.status import services as status_services
    svc = services()
    try:
        with session_scope(svc.sessions) as session:
            slots = status_services.find_slots(session, None, credential_id)
            outcome = status_services.change(session, svc.issuance, slots, action, reason,
                                             f"cli:{getpass.getuser()}")
    except status_services.StatusError as exc:
        raise CliError(f"{credential_id}: {exc.message}") from None
    if as_json:
        click.echo(json.dumps(outcome.to_json()))
    else:
        state = "revoked" if outcome.revoked else ("suspended" if outcome.suspended else "valid")
        click.echo(f"{credential_id}: {action} recorded at {outcome.changed_at}; the credential is now {state} "
                   "and its status lists are re-signed")


def _command(action: str, help_text: str):
    @credentials.command(action, help=help_text)
    @click.argument("credential_id")
    @click.option("--reason", required=True, help="Why (kept in the audit trail with who and when).")
    @click.option("--json", "as_json", is_flag=True)
    def command(credential_id, reason, as_json):
        _change(credential_id, action, reason, as_json)
    return command


revoke = _command("revoke", "Revoke credential ID for good (our id or its urn:uuid).")
suspend = _command("suspend", "Suspend credential ID until it is reinstated.")
reinstate = _command("reinstate", "Lift the suspension of credential ID.")


@credentials.command("status")
@click.argument("credential_id")
@click.option("--json", "as_json", is_flag=True)
def status(credential_id, as_json) -> None:
    """Current status of credential ID and every change to it."""
    from issuer.db import session_scope
    from issuer.status import services as status_services
    svc = services()
    with session_scope(svc.sessions) as session:
        slots = status_services.find_slots(session, None, credential_id)
        if not slots:
            raise CliError(f"no credential {credential_id!r}")
        revoked, suspended = status_services.current(session, slots[0])
        history = status_services.history(session, slots)
    if as_json:
        click.echo(json.dumps({"credential": credential_id, "revoked": revoked, "suspended": suspended,
                               "history": history}, indent=2))
        return
    click.echo(f"{credential_id}: {'revoked' if revoked else 'suspended' if suspended else 'valid'}")
    for change in history:
        click.echo(f"  {change['at']}  {change['action']:9} by {change['actor']}: {change['reason']}")
