"""What verifying a CLR 2.0 record (`ClrCredential`) adds to the checks every credential gets
(its own proof, issuer, dates, status... in `verify_credential`): every credential it holds,
verified in full as if it came alone, each with its own result (`VerificationResult.credentials`,
in the record's order); whether they are all about the record's subject; and whether its
associations relate achievements the record names.

A record whose own proof verifies but holds a credential that does not is not verified: the
issuer of the record vouches for having put those credentials together, not for each of them,
whose issuers (possibly others) vouch for them with their own proofs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from issuer.verify.budget import record_credentials
from issuer.verify.result import FAIL, PASS, SKIPPED, WARNING, VerificationResult
from issuer.verify.vcdm import as_list

# How many failing credentials the `credentials` check names (each result has them all).
NAMED = 5


def _subject(record: dict) -> dict:
    return next((s for s in as_list(record.get("credentialSubject")) if isinstance(s, dict)), {})


def _label(position: int, credential: Any) -> str:
    name = credential.get("id") if isinstance(credential, dict) else None
    return f"credential {position} ({name})" if isinstance(name, str) else f"credential {position}"


def check_record(record: dict, result: VerificationResult, verify: Callable[[Any], VerificationResult]) -> None:
    """Add the `credentials`, `subjects` and `associations` checks of a record to `result`;
    `verify` verifies one held credential as `verify_credential` would."""
    held = record_credentials(record)
    if not held:
        result.add("credentials", FAIL, "the CLR holds no credential")
        return
    failures = []
    for position, credential in enumerate(held, 1):
        nested = verify(credential)
        result.credentials.append(nested)
        if not nested.verified:
            failed = ", ".join(f"{c.name}: {c.message}" for c in nested.failed[:2]) or "unreadable"
            failures.append(f"{_label(position, credential)}: {failed}")
    if failures:
        more = f" (and {len(failures) - NAMED} more)" if len(failures) > NAMED else ""
        result.add("credentials", FAIL, f"{len(failures)} of {len(held)} credential(s) in the CLR did not verify: "
                   + "; ".join(failures[:NAMED]) + more)
    else:
        result.add("credentials", PASS, f"all {len(held)} credential(s) in the CLR verified")
    _check_subjects(record, held, result)
    _check_associations(record, held, result)


def _check_subjects(record: dict, held: list, result: VerificationResult) -> None:
    """Each held credential is about the record's subject, where both name it by id (hashed
    email identifiers are salted apart, so they cannot be compared without the address)."""
    learner = _subject(record).get("id")
    if not isinstance(learner, str):
        result.add("subjects", SKIPPED, "the CLR names its subject by identifier only, so its credentials' "
                                        "subjects were not compared")
        return
    others = []
    for position, credential in enumerate(held, 1):
        for subject in as_list(credential.get("credentialSubject") if isinstance(credential, dict) else None):
            named = subject.get("id") if isinstance(subject, dict) else None
            if isinstance(named, str) and named != learner:
                others.append(f"{_label(position, credential)} is about {named}")
    if others:
        result.add("subjects", FAIL, f"not every credential is about the CLR's subject {learner}: "
                                     + "; ".join(others[:NAMED]))
    else:
        result.add("subjects", PASS, f"every credential that names its subject names {learner}")


def _check_associations(record: dict, held: list, result: VerificationResult) -> None:
    """Associations relate achievements: each end should be one the record names (in its list
    or a held credential). An association to elsewhere is not a forgery (the record's proof
    covers it), so it is a warning."""
    subject = _subject(record)
    associations = [a for a in as_list(subject.get("association")) if isinstance(a, dict)]
    if not associations:
        result.add("associations", SKIPPED, "the CLR states no associations")
        return
    named = {a.get("id") for a in as_list(subject.get("achievement")) if isinstance(a, dict)}
    for credential in held:
        for inner in as_list(credential.get("credentialSubject") if isinstance(credential, dict) else None):
            achievement = inner.get("achievement") if isinstance(inner, dict) else None
            if isinstance(achievement, dict):
                named.add(achievement.get("id"))
    loose = sorted({end for a in associations for end in (a.get("sourceId"), a.get("targetId")) if end not in named},
                   key=str)
    if loose:
        result.add("associations", WARNING, f"{len(loose)} association end(s) name no achievement in the CLR: "
                                            + ", ".join(map(str, loose[:NAMED])))
    else:
        result.add("associations", PASS, f"{len(associations)} association(s), each between achievements in the CLR")
