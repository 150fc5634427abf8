"""`ler sign` and `ler verify`."""

from __future__ import annotations

import json
import sys

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from issuer.cli import CliError, config, identity, main, read_input, read_json_object
from issuer.errors import LerError
from issuer.issuance.services import IssuanceContext
from issuer.issuance import signing
from issuer.proofs import data_integrity, jwt as vcjwt, ld, multibase
from issuer.proofs.did import did_key_vm
from issuer.proofs.keyfamilies.ecdsa import ECPrivateKey
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.proofs.keyfamilies.rsa import RSAPrivateKey
from issuer.verify.service import Verifier

def _secret_key(value: str):
    """An Ed25519, P-256 or P-384 secret key given as Multikey `secretKeyMultibase`."""
    codec, _ = multibase.split_multicodec(multibase.decode_base58btc(value), multibase.ED25519_PRIV,
                                          multibase.P256_PRIV, multibase.P384_PRIV)
    return Ed25519PrivateKey.from_secret_multibase(value) if codec == multibase.ED25519_PRIV else \
        ECPrivateKey.from_secret_multibase(value)


def _load_key_file(path: str, passphrase: bytes | None):
    """A key from a Multikey key-pair JSON (as the W3C vectors ship), one of our key files, or a PEM."""
    raw = read_input(path)
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    try:
        if isinstance(value, dict):
            secret = value.get("secretKeyMultibase") or value.get("privateKeyMultibase")
            if secret:
                return _secret_key(secret)
            if "privateKeyPem" in value:
                raw = value["privateKeyPem"].encode()
            else:
                raise CliError(f"{path} holds no private key")
        key = serialization.load_pem_private_key(raw, password=passphrase if b"ENCRYPTED" in raw else None)
    except (ValueError, TypeError) as exc:
        raise CliError(f"cannot load a private key from {path}: {exc}") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519PrivateKey(key)
    if isinstance(key, rsa.RSAPrivateKey):
        return RSAPrivateKey(key)
    raise CliError(f"{path}: unsupported key type")


@main.command()
@click.argument("file")
@click.option("--key", "key_file", help="Key file: Multikey key-pair JSON, a ler key file, or PEM.")
@click.option("--secret-key-multibase", help="Ed25519, P-256 or P-384 secret key as multibase (z...).")
@click.option("--cryptosuite", type=click.Choice(data_integrity.SUITES), default="eddsa-rdfc-2022", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["ldp", "jwt"]), default="ldp", show_default=True,
              help="ldp: embedded Data Integrity proof; jwt: VC-JWT (OB 3.0 section 8.2).")
@click.option("--created", help="Proof creation time (ISO 8601); default now.")
@click.option("--verification-method", help="Verification method URL to name in the proof.")
def sign(file, key_file, secret_key_multibase, cryptosuite, fmt, created, verification_method) -> None:
    """Sign the credential in FILE ('-' for standard input) and print it."""
    if key_file and secret_key_multibase:
        raise CliError("give --key or --secret-key-multibase, not both")
    credential = read_json_object(file)
    cfg = config()
    try:
        if key_file or secret_key_multibase:
            private = (_secret_key(secret_key_multibase) if secret_key_multibase
                       else _load_key_file(key_file, cfg.key_passphrase))
            if verification_method is None:
                if private.family == "RSA":
                    raise CliError("an RSA key has no did:key: give --verification-method")
                verification_method = did_key_vm(private.public())
        else:
            ident = identity(cfg)
            issuer = vcjwt.issuer_id(credential)
            family = "Ed25519"
            key = ident.signing_key(family, issuer if issuer in ident.controllers() else None)
            private, verification_method = key.private, verification_method or key.verification_method
        if created is not None and not data_integrity.is_xsd_datetime(created):
            raise CliError(f"--created {created!r} is not an ISO 8601 date-time")
        # A proof-level tool (no sponsor, no slot, nothing stored), but signed where every
        # credential is signed.
        if fmt == "jwt":
            output = signing.vc_jwt_with_key(credential, private, kid=verification_method)
        else:
            signed = signing.with_key(credential, private, verification_method=verification_method,
                                      cryptosuite=cryptosuite, created=created, loader=ld.default_loader())
            output = json.dumps(signed, indent=2, ensure_ascii=False)
    except CliError:
        raise
    except (LerError, ValueError) as exc:
        raise CliError(str(exc)) from None
    click.echo(output)


_MARK = {"pass": "PASS", "fail": "FAIL", "warning": "WARN", "skipped": "SKIP"}


def _status_list(value: str) -> tuple[str, dict]:
    """(the URL it answers for, the list credential) from `FILE` (its own id) or `URL=FILE` (the
    URL it was fetched from, which some issuers' lists do not use as their id)."""
    url, path = value.rsplit("=", 1) if value.startswith(("https://", "http://")) and "=" in value else (None, value)
    try:
        document = json.loads(read_input(path))
    except ValueError as exc:
        raise click.ClickException(f"--status-list {path} is not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(url or document.get("id"), str):
        raise click.ClickException(f"--status-list {path} is not a status list credential with an id")
    return url or document["id"], document


def _stored(verifier, name: str) -> dict | None:
    """One of our stored credentials, named by our id or the credential's urn:uuid id, when `name`
    is no file: `ler verify urn:uuid:...` checks what we issued under that id."""
    if verifier.sessions is None:
        return None
    from issuer.issuance.lookup import stored_credential
    with verifier.sessions() as session:
        row = stored_credential(session, name)
        return dict(row.document) if row is not None else None

def _echo_held(result) -> None:
    """Each credential a CLR holds: one line, and the checks that did not pass."""
    for position, held in enumerate(result.credentials, 1):
        click.echo(f"  credential {position} {held.credential_id or '(no id)'}: "
                   + ("verified" if held.verified else "NOT verified"))
        for check in held.checks:
            if check.outcome in ("fail", "warning"):
                click.echo(f"    {_MARK[check.outcome]:4}  {check.name:10} {check.message}")


@main.command()
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--recipient", help="Also check the credential was issued to this email or DID.")
@click.option("--status-list", "status_lists", multiple=True, metavar="FILE",
              help="A status list credential (JSON) to judge the status with, offline: FILE, or URL=FILE "
                   "for a list whose id is not the URL credentials name; repeatable.")
@click.option("--require-status", is_flag=True,
              help="Fail, rather than warn, when the status cannot be checked.")
def verify(file, as_json, recipient, status_lists, require_status) -> None:
    """Verify the credential in FILE (JSON, JWT, baked PNG or SVG; '-' for standard input), or
    one of our stored credentials by its id or urn:uuid.

    Exit 0 verified, 1 not verified, 2 unreadable."""
    try:
        supplied = dict(_status_list(path) for path in status_lists)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(2)
    cfg = config()
    try:
        # Our status lists and frameworks come from the database when there is one; nothing is created.
        signing_ctx = IssuanceContext(identity(cfg), cfg.base_url, ld.default_loader())
        verifier = Verifier.offline(cfg, signing_ctx, status_lists=supplied)
    except LerError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    try:
        data = read_input(file)
    except click.ClickException as exc:
        data = _stored(verifier, file)
        if data is None:
            click.echo(f"Error: {exc.message}", err=True)
            sys.exit(2)
    result = verifier.credential(data, recipient=recipient, status_required=require_status)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        for check in result.checks:
            click.echo(f"{_MARK[check.outcome]:4}  {check.name:10} {check.message}")
        _echo_held(result)
        click.echo("verified" if result.verified else "NOT verified")
    sys.exit(0 if result.verified else (2 if not result.readable else 1))

