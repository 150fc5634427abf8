"""The composition root: everything a process needs, built once and checked at start, then
passed in rather than reached for. The web application (issuer.app.create_app), the CLI
(issuer.cli) and the batch worker (issuer.batch.jobs) all build it here; nothing in it knows
HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import issuer.models  # noqa: F401  (every domain's tables, so foreign keys between domains resolve)
from issuer import db
from issuer.config import Config
from issuer.issuance.services import IssuanceContext
from issuer.issuance.signing import Signer
from issuer.sealing import SecretBox
from issuer.programs import catalog
from issuer.proofs import ld
from issuer.proofs.identity import IssuerIdentity
from issuer.proofs.keys import KeyStore


@dataclass
class Services:
    """What request handlers, commands and workers share: built once per process."""
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
