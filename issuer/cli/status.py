"""`ler credentials revoke|suspend|reinstate ID --reason TEXT` and `ler credentials status ID`:
the operator's hand on any sponsor's credential, recorded as `cli:<user>` in the audit trail."""

from __future__ import annotations

import getpass
import json

import click

from issuer.cli import CliError, data_session, services
from issuer.cli.records import credentials, sponsors


def _change(credential_id: str, action: str, reason: str, as_json: bool) -> None:
    from issuer.db import session_scope
    from issuer.issuance import slots as credential_slots
    from issuer.status import services as status_services
    svc = services()
    try:
        with session_scope(svc.sessions) as session:
            slots = credential_slots.find_slots(session, None, credential_id)
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
suspend = _command("suspend", "Suspend credential ID until it is reinstated (credentials with a suspension "
                              "entry only: VC-API credentials; an Open Badge can only be revoked).")
reinstate = _command("reinstate", "Lift the suspension of credential ID.")


@credentials.command("reissue-status")
@click.argument("credential_id", required=False)
@click.option("--sponsor", "sponsor_slug", help="Every credential of this sponsor (its slug) that needs it.")
@click.option("--all", "everyone", is_flag=True, help="Every credential of every sponsor that needs it.")
def reissue_status(credential_id, sponsor_slug, everyone) -> None:
    """Re-sign credentials issued with the two-bit `message` status entry (before revision 0011)
    with a one-bit `revocation` entry for the same slot, which every verifier reads right. Same
    id and content; the holder's claim link and wallet offer hand out the new copy."""
    from sqlalchemy import select
    from issuer.db import session_scope
    from issuer.issuance import reissue, slots as credential_slots
    from issuer.issuance.models import IssuedCredential
    from issuer.sponsors.models import Sponsor
    from issuer.status import services as status_services
    if sum(map(bool, (credential_id, sponsor_slug, everyone))) != 1:
        raise CliError("name one credential ID, or --sponsor SLUG, or --all")
    svc = services()
    done, refused = 0, []
    with session_scope(svc.sessions) as session:
        if credential_id:
            rows = [r for slot in credential_slots.find_slots(session, None, credential_id)
                    if (r := session.scalars(select(IssuedCredential).where(
                        IssuedCredential.status_list_id == slot.list_id,
                        IssuedCredential.status_index == slot.index)).first()) is not None]
            if not rows:
                raise CliError(f"no stored credential {credential_id!r}")
        else:
            sponsor = session.scalars(select(Sponsor).where(Sponsor.slug == sponsor_slug)).first() \
                if sponsor_slug else None
            if sponsor_slug and sponsor is None:
                raise CliError(f"no sponsor {sponsor_slug!r}")
            rows = reissue.legacy_credentials(session, sponsor.id if sponsor else None)
        for row in rows:
            try:
                reissue.reissue_with_revocation(session, svc.issuance, row)
                done += 1
            except status_services.StatusError as exc:
                refused.append(f"{row.id}: {exc.message}")
    for line in refused:
        click.echo(line, err=True)
    click.echo(f"{done} credential(s) re-issued with a revocation entry")
    if refused and credential_id:
        raise CliError("nothing re-issued")


@credentials.command("status")
@click.argument("credential_id")
@click.option("--json", "as_json", is_flag=True)
def status(credential_id, as_json) -> None:
    """Current status of credential ID and every change to it."""
    from issuer.issuance import slots as credential_slots
    from issuer.status import services as status_services
    with data_session() as session:
        slots = credential_slots.find_slots(session, None, credential_id)
        if not slots:
            raise CliError(f"no credential {credential_id!r}")
        revoked, suspended = status_services.current(session, slots[0])
        history = status_services.history(session, slots)
        suspendable = any(slot.suspendable for slot in slots)
    if as_json:
        click.echo(json.dumps({"credential": credential_id, "revoked": revoked, "suspended": suspended,
                               "suspendable": suspendable, "history": history}, indent=2))
        return
    click.echo(f"{credential_id}: {'revoked' if revoked else 'suspended' if suspended else 'valid'}")
    if not suspendable:
        click.echo(f"  ({status_services.NOT_SUSPENDABLE})")
    for change in history:
        click.echo(f"  {change['at']}  {change['action']:9} by {change['actor']}: {change['reason']}")


@sponsors.command("vcapi-status")
@click.argument("sponsor")
@click.argument("setting", type=click.Choice(["on", "off"]))
def vcapi_status(sponsor, setting) -> None:
    """Whether SPONSOR's credentials issued through the VC-API get status entries (revocation and
    suspension; revocation only for Open Badges) without the caller asking in
    options.credentialStatus. Off by default: the caller gets its credential and a proof only."""
    from issuer.db import session_scope
    from issuer import audit
    from issuer.sponsors.services import find_sponsor
    svc = services()
    with session_scope(svc.sessions) as session:
        row = find_sponsor(session, sponsor)
        if row is None:
            raise CliError(f"no sponsor {sponsor!r}")
        row.vcapi_status = setting == "on"
        audit.record(session, row.id, "sponsor.vcapi_status", f"sponsor:{row.slug}", setting=setting)
    click.echo(f"{sponsor}: VC-API credentials get status entries {'always' if setting == 'on' else 'when asked'}")
