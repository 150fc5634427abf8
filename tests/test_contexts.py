"""Contexts are local, hash-checked, and the only documents ever loaded."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from issuer.errors import ConfigurationError, DocumentLoaderError
from issuer.proofs import ld

from conftest import ROOT, STANDARDS


def test_every_shipped_context_matches_the_standards_manifest():
    index = json.loads((ROOT / "contexts/index.json").read_text())
    manifest = (STANDARDS / "MANIFEST.md").read_text()
    for url, entry in index.items():
        data = (ROOT / "contexts" / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["sha256"] in manifest, f"{url} is not a byte-exact copy of a manifest file"
    for required in (ld.VC_V2, ld.VC_V1, ld.OB_V3, ld.STATUS_V1, ld.DATA_INTEGRITY_V2, ld.MULTIKEY_V1, ld.DID_V1,
                     "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                     "https://w3id.org/security/data-integrity/v1",
                     "https://www.w3.org/ns/credentials/examples/v2"):
        assert required in index


def test_a_modified_context_refuses_to_load(tmp_path):
    shutil.copytree(ROOT / "contexts", tmp_path / "contexts")
    target = tmp_path / "contexts" / "credentials-v2.jsonld"
    target.write_text(target.read_text().replace('"VerifiableCredential"', '"VerifiableCredentiaI"'))
    with pytest.raises(ConfigurationError, match="credentials-v2.jsonld"):
        ld.ContextStore(tmp_path / "contexts")


def test_unknown_context_is_an_error_never_a_fetch():
    loader = ld.default_loader()
    with pytest.raises(DocumentLoaderError, match="not served offline"):
        loader("https://example.com/context.json")
    document = {"@context": ["https://www.w3.org/ns/credentials/v2", "http://127.0.0.1:9/ctx.json"],
                "type": ["VerifiableCredential"]}
    with pytest.raises(DocumentLoaderError):
        ld.canonize(document, loader)
