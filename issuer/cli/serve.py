"""`ler serve`: says what it is doing at start (the database, the first key, the programs) and
where people go once it listens (the staff console, the verify page, the apprentices' sign-in)."""

from __future__ import annotations

import click

from issuer.cli import CliError, act_as_operator, config, main

# Where each audience goes; printed once the service listens (the home page `/` links them too).
PLACES = (("Home (every audience)", "/"), ("Staff console", "/portal/login"), ("Apprentices", "/me/login"),
          ("Verify a credential", "/verify"), ("API description", "/openapi.json"))


def _database_step(url: str) -> str:
    """What the migration at start will do, read without creating anything."""
    from pathlib import Path

    from sqlalchemy import create_engine, inspect, make_url
    safe = make_url(url).render_as_string(hide_password=True)
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
        return f"Creating the database {safe} (first start)"
    engine = create_engine(url)
    try:
        new = not inspect(engine).has_table("alembic_version")
    except Exception:  # unreachable: build_services names the problem in one line
        new = False
    finally:
        engine.dispose()
    return f"Creating the tables in {safe} (first start)" if new else f"Migrating the database {safe} if its schema is behind"


def _key_step(cfg) -> str | None:
    from issuer.proofs.keys import KeyStore
    if KeyStore(cfg.keys_dir, cfg.key_passphrase).active("Ed25519") is None:
        return f"Making the service's first signing key (Ed25519, encrypted at rest) in {cfg.keys_dir}"
    return None


def _loaded(services) -> tuple[list[str], int]:
    """The programs now loaded, and how many staff accounts exist."""
    from sqlalchemy import func, select

    from issuer.db import session_scope
    from issuer.portal.models import StaffAccount
    from issuer.programs.models import ProgramVersion
    with session_scope(services.sessions) as session:
        programs = sorted(set(session.scalars(select(ProgramVersion.program_id))))
        staff = session.scalar(select(func.count()).select_from(StaffAccount))
    return programs, staff


def local_url(scheme: str, host: str, port: int) -> str:
    """The URL to open on this machine: a wildcard address is reached through loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM) to serve https.")
@click.option("--key", "tls_key", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM).")
def serve(host: str, port: int, threads: int, cert: str | None, tls_key: str | None) -> None:
    """Start the service (migrates the database and creates the first key if needed).

    At start it says what it does (the database, the first signing key, the seed programs) and
    prints the addresses of the staff console, the apprentices' sign-in and the verify page."""
    from issuer.app import create_app
    from issuer.errors import LerError

    if bool(cert) != bool(tls_key):
        raise CliError("--cert and --key go together")
    cfg = config()
    for step in (_database_step(cfg.database_url), _key_step(cfg),
                 "Loading the seed programs and skills framework (a changed file becomes a new version)"):
        if step:
            click.echo(f"{step} ...")
    act_as_operator()
    try:
        app = create_app(cfg)
    except LerError as exc:
        raise CliError(str(exc)) from None
    services = app.extensions["ler"]
    programs, staff = _loaded(services)
    click.echo(f"Programs: {', '.join(programs)}")
    scheme = "https" if cert else "http"
    base = local_url(scheme, host, port)
    if not staff:
        click.echo("No staff account yet. Create the first sponsor and its administrator:\n"
                   "  ler sponsors create NAME --program PROGRAM_ID\n"
                   "  ler staff create --sponsor NAME --email EMAIL --role administrator")
    click.echo(f"ler-issuer serving {services.config.base_url} as {services.identity.did} on {scheme}://{host}:{port}")
    for label, path in PLACES:
        click.echo(f"  {label + ':':24}{base}{path}")
    if cert:
        # waitress has no TLS; werkzeug's threaded server does, for conformance suites over https.
        from werkzeug.serving import run_simple
        run_simple(host, port, app, threaded=True, ssl_context=(cert, tls_key))
    else:
        from waitress import serve as waitress_serve
        waitress_serve(app, host=host, port=port, threads=threads)
