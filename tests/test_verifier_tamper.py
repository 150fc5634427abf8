"""Tamper test: every leaf value of credentials we issued (names, dates, codes, alignment targets,
status entries, the proof itself), changed one at a time, fails verification, and fails the check
that guards it; none passes."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta

import pytest

from issuer.verify.service import Verifier

from verify_support import issue_level, issue_one, sign

DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, path + (i,))
    else:
        yield path, value


def changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str) and DATE.fullmatch(value):
        return (datetime.fromisoformat(value.replace("Z", "+00:00")) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str) and value.isdigit():
        return str(int(value) + 1)
    if isinstance(value, str) and value.startswith("z") and len(value) > 40:      # base58btc: stay decodable
        return value[:-2] + ("2" if value[-2] != "2" else "3") + value[-1]
    return f"{value}x" if isinstance(value, str) else "x"


def set_at(document, path, value):
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def expected_checks(path) -> set[str]:
    """The checks of which at least one must fail when this leaf changes."""
    if path[0] == "@context":
        return {"contexts"}
    if path[0] == "proof":
        return {"proof"}
    return {"proof"}                       # everything else is signed content


@pytest.fixture
def credentials(client, services):
    return {"work process": issue_one(client, services).document, "framework level": issue_level(client, services).document}


def test_every_leaf_tampered_fails_the_right_check(credentials, services):
    verifier = Verifier.for_services(services)
    for kind, credential in credentials.items():
        assert verifier.credential(credential).verified, verifier.credential(credential).to_json()
        paths = list(leaves(credential))
        assert len(paths) > 50                # (the one-bit revocation entry has no statusMessage)
        for path, value in paths:
            tampered = copy.deepcopy(credential)
            set_at(tampered, path, changed(value))
            result = verifier.credential(tampered)
            failed = {c.name for c in result.failed}
            where = f"{kind}: {'/'.join(map(str, path))}"
            assert not result.verified, where
            assert failed & expected_checks(path), (where, failed)
            if path[-1] in ("targetName", "targetCode", "targetUrl") and "ceasn" in str(
                    _sibling(credential, path, "targetType")):
                assert "framework" in failed, (where, failed)


def _sibling(document, path, key):
    target = document
    for part in path[:-1]:
        target = target[part]
    return target.get(key)


def test_tampered_then_re_signed_alignments_still_fail_the_framework_check(credentials, services):
    """Signed by the right key yet untrue: only the framework check can tell."""
    verifier = Verifier.for_services(services)
    level = credentials["framework level"]
    alignment_paths = [p for p, _ in leaves(level) if p[-1] in ("targetName", "targetCode", "targetUrl")
                       and _sibling(level, p, "targetType") == "ceasn:Competency"]
    assert alignment_paths
    for path in alignment_paths:
        document = {k: v for k, v in copy.deepcopy(level).items() if k != "proof"}
        set_at(document, path, changed(_sibling(level, path, path[-1])))
        result = verifier.credential(sign(services, document, loader=services.loader))
        assert result.check("proof").outcome == "pass"
        assert result.check("framework").outcome == "fail", "/".join(map(str, path))
