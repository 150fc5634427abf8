"""`ler serve`."""

from __future__ import annotations

import click

from issuer.cli import CliError, config, main
from issuer.errors import LerError


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM) to serve https.")
@click.option("--key", "tls_key", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM).")
def serve(host: str, port: int, threads: int, cert: str | None, tls_key: str | None) -> None:
    """Start the service (migrates the database and creates the first key if needed)."""
    from issuer.app import create_app

    if bool(cert) != bool(tls_key):
        raise CliError("--cert and --key go together")
    try:
        app = create_app(config())
    except LerError as exc:
        raise CliError(str(exc)) from None
    services = app.extensions["ler"]
    click.echo(f"ler-issuer serving {services.config.base_url} as {services.identity.did} on "
               f"{'https' if cert else 'http'}://{host}:{port}")
    if cert:
        # waitress has no TLS; werkzeug's threaded server does, for conformance suites over https.
        from werkzeug.serving import run_simple
        run_simple(host, port, app, threaded=True, ssl_context=(cert, tls_key))
    else:
        from waitress import serve as waitress_serve
        waitress_serve(app, host=host, port=port, threads=threads)

