"""The Flask application factory; what it serves comes from the composition root (issuer.composition)."""

from __future__ import annotations

from flask import Flask, g, request

from issuer import api, audit, db
from issuer.api import problems
from issuer.composition import Services, build_services
from issuer.config import Config


def _name_the_caller(app: Flask) -> None:
    """Every request starts as an anonymous caller for the audit log (issuer.audit's context
    variable), named once authentication knows better (issuer.api.auth.act_as); a server thread
    serves many requests, so the name is put back when the request ends."""
    @app.before_request
    def _anonymous():
        g.ler_audit_token = audit.set_actor(audit.Actor("anonymous request", request.remote_addr))

    @app.teardown_request
    def _forget(_exc):
        token = g.pop("ler_audit_token", None)
        if token is not None:
            audit.reset_actor(token)


def create_app(config: Config | None = None, services: Services | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, template_folder=str(config.contexts_dir.parent / "templates"))
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.config["TESTING"] = config.testing
    if config.proxy_hops:
        # Behind a TLS-terminating proxy: the client's address (audit log, rate limits) and the
        # https scheme (Secure cookies) come from the proxy's X-Forwarded-* headers.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)
    app.extensions["ler"] = services or build_services(config)
    problems.register(app)
    _read_only_requests(app)
    _name_the_caller(app)
    for blueprint in api.blueprints():
        app.register_blueprint(blueprint)
    return app


def _read_only_requests(app: Flask) -> None:
    """GET and HEAD requests write nothing, so on SQLite they never wait for a batch's write
    lock (see `issuer.db.reading`)."""

    @app.before_request
    def _begin_reading():
        if request.method in ("GET", "HEAD"):
            g.ler_reading = db.reading()
            g.ler_reading.__enter__()

    @app.teardown_request
    def _end_reading(_exc):
        manager = g.pop("ler_reading", None)
        if manager is not None:
            manager.__exit__(None, None, None)
