"""How the verifier finds public keys: did:key offline (Ed25519, P-256, P-384), our own did:web
documents from the key store, other issuers' documents from the operator's trust registry, and
only then (allow-listed hosts only) a did:web fetched over https.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from issuer.errors import ConfigurationError, LerError
from issuer.proofs.did import Resolver, ResolutionError, did_web_document_url
from issuer.verify.fetch import Fetcher, FetchError


def load_trust_registry(path: str | os.PathLike | None) -> dict[str, dict]:
    """DID documents of issuers the operator trusts: a JSON list of documents, or DID -> document."""
    if not path:
        return {}
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the trust registry {path}: {exc}") from None
    documents = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(documents, list) or not all(isinstance(d, dict) and isinstance(d.get("id"), str)
                                                  for d in documents):
        raise ConfigurationError(f"the trust registry {path} must hold DID documents, each with an id")
    return {d["id"]: d for d in documents}


class VerifierResolver(Resolver):
    def __init__(self, identity=None, registry: dict[str, dict] | None = None, fetcher: Fetcher | None = None):
        super().__init__(registry)
        self.identity = identity
        self.fetcher = fetcher
        self._ours: dict[str, tuple[int, dict]] = {}

    def _our_document(self, did: str) -> dict:
        # Key files change only on generate / rotate, which touch the folder: its mtime says
        # whether the document built from them is still current, without reading every file.
        try:
            stamp = os.stat(self.identity.keystore.directory).st_mtime_ns
        except OSError:
            stamp = -1
        cached = self._ours.get(did)
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, self.identity.did_document(did))
            except LerError as exc:
                # Verifying never needs our private keys; an unreadable key folder loses our did:web only.
                raise ResolutionError(f"our own keys cannot be read: {exc}") from None
            self._ours[did] = cached
        return cached[1]

    def resolve(self, vm_id: str):
        try:
            return super().resolve(vm_id)
        except ResolutionError:
            # A sponsor's document is cached for seconds; a key made since (by another process)
            # is missing from the copy, so read it once more before saying no.
            did = vm_id.split("#", 1)[0] if isinstance(vm_id, str) else ""
            source = self.identity.sponsor_documents if self.identity is not None else None
            if source is None or not self.identity.is_sponsor_did(did) or not hasattr(source, "forget"):
                raise
            source.forget(did)
            return super().resolve(vm_id)

    def document(self, did: str) -> dict | None:
        if did in self.documents:
            return self.documents[did]
        if self.identity is not None and did == self.identity.did:
            return self._our_document(did)
        if self.identity is not None and self.identity.is_sponsor_did(did):
            # A sponsor's keys are in the database; the identity's source caches its documents.
            try:
                return self.identity.did_document(did)
            except LerError as exc:
                raise ResolutionError(f"the keys of {did} cannot be read: {exc}") from None
        if did.startswith("did:web:") and self.fetcher is not None:
            try:
                document = self.fetcher.get_json(did_web_document_url(did))
            except FetchError as exc:
                raise ResolutionError(f"{did} is not in the trust registry and cannot be fetched: {exc}") from None
            if document.get("id") != did:
                raise ResolutionError(f"the document fetched for {did} names {document.get('id')!r}")
            return document
        return None
