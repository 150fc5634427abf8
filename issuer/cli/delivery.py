"""`ler claim`: a claim link and an OpenID4VCI offer for a stored credential, optionally emailed;
`ler delivery sweep`: forget expired wallet secrets."""

from __future__ import annotations

import json

import click

from issuer.cli import CliError, main, services


@main.command()
@click.argument("credential_id")
@click.option("--tx-code", is_flag=True, help="Protect the offer with a 6-digit transaction code.")
@click.option("--email", "send_email", is_flag=True, help="Email the claim link (and code) to the apprentice "
                                                          "through LER_SMTP_URL.")
@click.option("--json", "as_json", is_flag=True)
def claim(credential_id, tx_code, send_email, as_json) -> None:
    """Make a claim link and a wallet offer for CREDENTIAL_ID (any sponsor's: this is the operator)."""
    from issuer.delivery import claims
    from issuer.delivery.mail import MailError
    try:
        result = claims.prepare(services(), credential_id, sponsor_id=None, tx_code=tx_code, send_email=send_email)
    except (claims.ClaimError, MailError) as exc:
        raise CliError(str(exc)) from None
    if as_json:
        click.echo(json.dumps({k: v for k, v in result.items() if k != "qr_png"}, indent=2))
        return
    click.echo(f"claim page (until {result['claim_expires_at']}): {result['claim_url']}")
    click.echo(f"wallet offer (until {result['offer_expires_at']}): {result['credential_offer_uri']}")
    if result.get("tx_code"):
        click.echo(f"transaction code (give it to the apprentice apart from the offer): {result['tx_code']}")
    if result["emailed_to"]:
        click.echo(f"emailed to {result['emailed_to']}")


@main.group()
def delivery() -> None:
    """Wallet delivery housekeeping."""


@delivery.command()
@click.option("--json", "as_json", is_flag=True)
def sweep(as_json) -> None:
    """Delete offers, tokens, nonces, exchanges and claim links that expired over a day ago."""
    from issuer.db import session_scope
    from issuer.delivery.sweep import sweep as sweep_expired
    with session_scope(services().sessions) as session:
        counts = sweep_expired(session)
    if as_json:
        click.echo(json.dumps(counts))
        return
    click.echo(", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items()) + " deleted")
