"""JSON-LD processing over the contexts we ship, and nothing else.

`ContextStore` reads `contexts/index.json` (URL -> file, sha256) and refuses to start when a
file's hash differs. `StaticDocumentLoader` serves only those documents, tagged ``static`` so
that pyld's context resolver may cache them (in a cache kept per loader, see `jsonld_fast`); any
other URL raises instead of being fetched.

`expand` and `canonize` run pyld in *safe mode*: a property or type that the contexts do not
define would be silently dropped by plain JSON-LD (or, for a type or a relative ``id``, resolved
against a made-up base IRI) and so escape the signature, so it is an error here, at issue and at
verify (as jsonld.js's ``safe: true`` does). The processing itself lives in `jsonld_fast`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from issuer.errors import ConfigurationError, DocumentLoaderError, JsonLdError, SafeModeError
from issuer.proofs import jsonld_fast
# The context URLs live in the leaf issuer.vocab (the credential builder names them without
# importing proofs); `ld.VC_V2` and the rest stay importable here for the JSON-LD callers.
from issuer.vocab import DATA_INTEGRITY_V2, DID_V1, MULTIKEY_V1, OB_V3, STATUS_V1, VC_V1, VC_V2  # noqa: F401

DEFAULT_CONTEXTS_DIR = Path(__file__).resolve().parents[2] / "contexts"



class ContextStore:
    """The JSON-LD contexts we serve, keyed by URL, each checked against its recorded sha256."""

    def __init__(self, directory: Path | str = DEFAULT_CONTEXTS_DIR, extra: dict[str, Any] | None = None):
        self.directory = Path(directory)
        index_path = self.directory / "index.json"
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read the context index {index_path}: {exc}") from exc
        self.hashes: dict[str, str] = {}
        self.documents: dict[str, Any] = {}
        # The bytes as published, for a relatedResource digest naming one of them.
        self.raw: dict[str, bytes] = {}
        for url, entry in index.items():
            raw = (self.directory / entry["file"]).read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            if digest != entry["sha256"]:
                raise ConfigurationError(
                    f"context file {entry['file']} for {url} has sha256 {digest}, "
                    f"expected {entry['sha256']}: refusing to use a modified context"
                )
            self.hashes[url] = digest
            self.raw[url] = raw
            self.documents[url] = json.loads(raw)
        # Extra documents (tests, operator trust registries) are added after the hash check on
        # purpose: they are the caller's, not the shipped set.
        for url, document in (extra or {}).items():
            self.documents[url] = document

    def __contains__(self, url: str) -> bool:
        return url in self.documents

    def with_documents(self, extra: dict[str, Any]) -> "ContextStore":
        clone = object.__new__(ContextStore)
        clone.directory = self.directory
        clone.hashes = dict(self.hashes)
        clone.raw = dict(self.raw)
        clone.documents = {**self.documents, **extra}
        return clone


class StaticDocumentLoader:
    """A pyld document loader that answers only from a `ContextStore`; never the network."""

    def __init__(self, store: ContextStore):
        self.store = store

    def __call__(self, url: str, options: dict | None = None) -> dict:
        document = self.store.documents.get(url)
        if document is None:
            raise DocumentLoaderError(f"unknown JSON-LD context or document {url!r}: it is not served offline")
        # "static": pyld's context resolver reuses only entries so tagged across calls.
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


_default_loader: StaticDocumentLoader | None = None


def default_loader() -> StaticDocumentLoader:
    """The loader over the shipped contexts, built once per process."""
    global _default_loader
    if _default_loader is None:
        _default_loader = StaticDocumentLoader(ContextStore())
    return _default_loader


Loader = Callable[[str, dict | None], dict]


def _unwrap(exc: Exception) -> Exception:
    """pyld wraps loader and handler errors; find ours again so callers see what went wrong."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (DocumentLoaderError, SafeModeError)):
            return exc
        nxt = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
        if nxt is None and getattr(exc, "details", None):
            nxt = exc.details.get("cause") if isinstance(exc.details, dict) else None
        exc = nxt
    return None


def expand(document: dict, loader: Loader, *, safe: bool = True) -> list:
    """Expand `document`; in safe mode undefined terms and relative types or ids are errors."""
    try:
        return jsonld_fast.expand(document, loader, safe)
    except Exception as exc:  # pyld raises its own hierarchy; translate at this boundary.
        raise _translate(exc) from None


def canonize(document: dict, loader: Loader, *, safe: bool = True) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0) of `document`, as N-Quads.

    Byte-identical to ``pyld.jsonld.normalize(document, {"algorithm": "URDNA2015", ...})``; see
    `issuer.proofs.jsonld_fast` for how it is made fast enough to sign and verify in bulk.
    """
    try:
        return jsonld_fast.canonize(document, loader, safe)
    except Exception as exc:
        raise _translate(exc) from None


def _translate(exc: Exception) -> Exception:
    ours = _unwrap(exc)
    if ours is not None:
        return ours
    return JsonLdError(_describe(exc))


def _describe(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    message = str(exc).split("\n", 1)[0]
    return f"{message} ({code})" if code else message
