"""The standards data the tests read ships in the repository, byte-exact and listed.

tests/data/standards/MANIFEST.md names every file with its upstream source and sha256: a file
edited by hand, added without its row, or listed but missing fails here, so the vectors the
signature tests compare against stay the published ones.
"""

from __future__ import annotations

import hashlib
import re

from conftest import ROOT, STANDARDS

ROW = re.compile(r"^\| `([^`]+)` \| (\S+) \| (.+?) \| `([0-9a-f]{64})` \|", re.M)


def manifest_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for path, url, source, digest in ROW.findall((STANDARDS / "MANIFEST.md").read_text(encoding="utf-8")):
        assert path not in rows, f"{path} is listed twice"
        rows[path] = (source, digest)
    return rows


def test_every_file_is_listed_with_its_hash_and_source():
    rows = manifest_rows()
    present = {str(p.relative_to(STANDARDS)) for p in STANDARDS.rglob("*") if p.is_file()} - {"MANIFEST.md"}
    assert present - rows.keys() == set(), "files without a manifest row"
    assert rows.keys() - present == set(), "manifest rows without a file"
    for path, (source, digest) in rows.items():
        assert source.startswith(("github:", "npm:")), f"{path}: no upstream source"
        assert hashlib.sha256((STANDARDS / path).read_bytes()).hexdigest() == digest, f"{path} differs from its source"


def test_the_shipped_schemas_are_the_official_files():
    rows = manifest_rows()
    shipped = sorted((ROOT / "issuer/credentials/schemas").glob("*.json"))
    assert shipped
    for schema in shipped:
        reference = rows.get(f"schemas/{schema.name}")
        assert reference, f"{schema.name} has no reference copy"
        assert hashlib.sha256(schema.read_bytes()).hexdigest() == reference[1], f"{schema.name} was modified"
