"""The Flask application factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import issuer.models  # noqa: F401  (every domain's tables, so foreign keys between domains resolve)
from issuer import audit, db
from issuer import api
from issuer.api import problems
from issuer.issuance.services import IssuanceContext
from issuer.issuance.signing import Signer
from issuer.portal.sealing import SecretBox
from issuer.programs import catalog
from issuer.config import Config
from issuer.proofs import ld
from issuer.proofs.identity import IssuerIdentity
from issuer.proofs.keys import KeyStore


@dataclass
class Services:
    """What request handlers share: built once per application, passed in rather than global."""
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    identity: IssuerIdentity
    loader: ld.StaticDocumentLoader
    issuance: IssuanceContext
    secrets: SecretBox

    @property
    def keys(self):
        """Each sponsor's own signing keys (issuer.sponsors.keys)."""
        return self.issuance.keys


def build_services(config: Config, *, migrate: bool = True) -> Services:
    """Everything a process needs, checked now: a database that cannot be reached or a key
    passphrase that opens no key stops the process at start (ConfigurationError, KeyError_),
    not at its first request."""
    loader = ld.StaticDocumentLoader(ld.ContextStore(config.contexts_dir))
    keystore = KeyStore(config.keys_dir, config.key_passphrase)
    keystore.check_passphrase()
    with db.reachable(config.database_url):
        if migrate:
            db.upgrade(config.database_url)
        engine = db.make_engine(config.database_url)
        keystore.ensure_active("Ed25519")
        identity = IssuerIdentity(keystore, config.base_url)
        sessions = db.session_factory(engine)
        issuance = IssuanceContext(identity, config.base_url, loader, signer=Signer(config, loader))
        identity.sponsor_documents = issuance.keys.document_source(sessions)
        with db.session_scope(sessions) as session:
            catalog.load(session)
            issuance.keys.check_passphrase(session)
            issuance.keys.ensure_all(session)
    return Services(config, engine, sessions, identity, loader, issuance,
                    SecretBox(config.key_passphrase, identity.did))


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
