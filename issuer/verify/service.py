"""The verifier wired to the service: our keys, the operator's trust registry and fetch
allow-list, our status lists from the database, and our published frameworks and programs.

The HTTP endpoints, the /verify page, `ler verify` and the benchmark all verify through one
`Verifier`, so they give the same answer for the same input.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from issuer.db import make_engine, session_factory, session_scope
from issuer.errors import LerError
from issuer.programs import catalog
from issuer.status import services as status_services
from issuer.status.models import StatusListDocument
from issuer.verify.fetch import Fetcher, one_verification
from issuer.verify.frameworks import FrameworkChecker
from issuer.verify.presentation import verify_presentation
from issuer.verify.resolution import VerifierResolver, load_trust_registry
from issuer.verify.result import VerificationResult
from issuer.verify.status import StatusChecker
from issuer.verify.verifier import verify_credential


# How stale our own status list may be when another process changed it (this process's changes
# are seen at once). Verifiers elsewhere cache our lists for lists.TTL_SECONDS.
FRESH_SECONDS = 0.25


class Verifier:
    def __init__(self, *, config, identity=None, sessions=None, loader=None, signing_ctx=None,
                 status_lists: dict[str, dict] | None = None, fetcher: Fetcher | None = None):
        """`sessions` gives our status lists and catalog; `signing_ctx` (identity, base_url,
        loader) lets a list nobody has asked for yet be published on first use; `fetcher`
        replaces the one built from the operator's allow-list (tests give one without a network)."""
        registry = load_trust_registry(config.trust_registry)
        if fetcher is None and config.fetch_allowlist:
            fetcher = Fetcher(config.fetch_allowlist)
        self.loader = loader
        self.resolver = VerifierResolver(identity, registry, fetcher)
        self.sessions, self.signing_ctx = sessions, signing_ctx
        self.engine = sessions.kw["bind"] if sessions is not None else None
        self._lists: dict[tuple[int, str], tuple[str, dict, int, float]] = {}
        self.status_checker = StatusChecker(
            resolver=self.resolver, loader=loader, base_url=config.base_url,
            our_did=identity.did if identity is not None else None,
            local_lists=self._local_list if sessions is not None else None, fetcher=fetcher, trusted=registry,
            supplied=status_lists)
        self.framework_checker = (FrameworkChecker(config.base_url, self._framework, self._program)
                                  if sessions is not None else None)

    @classmethod
    def for_services(cls, services) -> "Verifier":
        return cls(config=services.config, identity=services.identity, sessions=services.sessions,
                   loader=services.loader, signing_ctx=services.issuance)

    @classmethod
    def offline(cls, config, signing_ctx=None, status_lists: dict[str, dict] | None = None) -> "Verifier":
        """For `ler verify`: the database is used when it exists and is migrated, never created;
        `status_lists` are list credentials the caller supplied, by id. `signing_ctx` is the
        issuance context (identity, base_url, loader, sponsor keys) the command built: a list
        nobody has fetched yet is published (signed) on first use with it, as the service would.
        It is passed in rather than built here, so that the verifier never imports issuance."""
        sessions = None
        url = config.database_url
        if not url.startswith("sqlite") or Path(url.split("///", 1)[-1]).exists():
            try:
                engine = make_engine(url)
                # Migrated far enough for status lists and sponsors' own keys (revision 0012).
                if all(inspect(engine).has_table(t) for t in ("status_list_documents", "sponsor_keys")):
                    sessions = session_factory(engine)
            except SQLAlchemyError:
                sessions = None
        identity = signing_ctx.identity if signing_ctx is not None else None
        if signing_ctx is not None and sessions is not None and identity.sponsor_documents is None:
            # The sponsors' keys, and so their DID documents, are in the database.
            identity.sponsor_documents = signing_ctx.keys.document_source(sessions)
        return cls(config=config, identity=identity, sessions=sessions, signing_ctx=signing_ctx,
                   status_lists=status_lists)

    def _local_list(self, list_id: int, purpose: str) -> dict | None:
        """Our published list, read on the hot path of every status check.

        The document (parsed, and verified by the status checker) is reused while its ETag in the
        database is unchanged; the ETag itself is re-read when this process has re-signed any
        list, and otherwise at most every FRESH_SECONDS, so another process's change is seen
        within that time and this process's own changes at once."""
        key = (list_id, purpose)
        cached = self._lists.get(key)
        now = time.monotonic()
        if cached is not None and cached[2] == status_services.generation and now - cached[3] < FRESH_SECONDS:
            return cached[1]
        with self.engine.connect() as connection:
            etag = connection.execute(select(StatusListDocument.etag).where(
                StatusListDocument.status_list_id == list_id, StatusListDocument.purpose == purpose)).scalar()
        if cached is not None and cached[0] == etag and (
                self.signing_ctx is None or status_services.signed_with_held_key(cached[1], self.signing_ctx.identity)):
            self._lists[key] = (etag, cached[1], status_services.generation, now)
            return cached[1]
        generation = status_services.generation
        with session_scope(self.sessions) as session:
            if self.signing_ctx is None:
                row = session.get(StatusListDocument, key)
            else:
                try:
                    row = status_services.list_document(session, self.signing_ctx, list_id, purpose)
                except LerError:
                    # No usable signing key here: read what was published, as it is.
                    row = session.get(StatusListDocument, key)
            if row is None:
                return None
            self._lists[key] = (row.etag, row.document, generation, now)
            return row.document

    def _framework(self, framework_id: str, version: str) -> dict | None:
        with session_scope(self.sessions) as session:
            row = catalog.framework_version(session, framework_id, version)
            return row.document if row is not None else None

    def _program(self, program_id: str, version: str) -> dict | None:
        with session_scope(self.sessions) as session:
            row = catalog.program_version(session, program_id, version)
            return row.document if row is not None else None

    def _status(self, required: bool):
        return partial(self.status_checker, required=True) if required else self.status_checker

    def credential(self, data: Any, *, recipient: str | None = None, status_required: bool = False
                   ) -> VerificationResult:
        with one_verification():
            return verify_credential(data, resolver=self.resolver, loader=self.loader, recipient=recipient,
                                     status_checker=self._status(status_required),
                                     framework_checker=self.framework_checker)

    def presentation(self, data: Any, *, challenge: str | None = None, domain: str | None = None,
                     status_required: bool = False) -> VerificationResult:
        with one_verification():
            return verify_presentation(data, resolver=self.resolver, loader=self.loader, challenge=challenge,
                                       domain=domain, status_checker=self._status(status_required),
                                       framework_checker=self.framework_checker)


def verifier_for(app) -> Verifier:
    """The application's verifier, built on first use and shared by its requests."""
    verifier = app.extensions.get("ler_verifier")
    if verifier is None:
        verifier = app.extensions.setdefault("ler_verifier", Verifier.for_services(app.extensions["ler"]))
    return verifier
