"""What the VC Data Model (2.0, and 1.1 for credentials still in wallets) requires of a
credential's shape, as plain checks returning problems a person can read.

One list of rules for both sides: the VC-API issuer refuses such input with 400, and the
verifier reports the same problems in its `structure` check. JSON-LD safe mode (undefined terms)
and contexts are checked elsewhere; these are the rules JSON-LD cannot see.
"""

from __future__ import annotations

import re

from issuer.proofs import ld
from issuer.status.lists import StatusListError, parse_index

# An absolute URL or IRI: a scheme, a colon, no whitespace (RFC 3986 section 3.1 for the scheme).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S*")
_DATE_TIME = r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
_ZONE = r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))"
# VCDM 2.0 dates are xsd:dateTimeStamp (zone required); VCDM 1.1 dates are xsd:dateTime.
DATE_TIME_STAMP = re.compile(_DATE_TIME + _ZONE)
DATE_TIME = re.compile(_DATE_TIME + _ZONE + "?")
TYPED_MEMBERS = ("credentialSchema", "evidence", "refreshService", "termsOfUse", "credentialStatus")


def is_url(value) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types_ok(value) -> bool:
    return (isinstance(value, str) and bool(value)) or (
        isinstance(value, list) and bool(value) and all(isinstance(t, str) and t for t in value))


def _language_value_ok(value) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return isinstance(value.get("@value"), str)
    return isinstance(value, list) and bool(value) and all(_language_value_ok(v) and not isinstance(v, list)
                                                           for v in value)


def _issuer_problem(issuer) -> str | None:
    if isinstance(issuer, dict):
        return None if is_url(issuer.get("id")) else "issuer must be a URL or an object whose id is a URL"
    return None if is_url(issuer) else "issuer must be a URL or an object whose id is a URL"


def status_entry_problems(entry, where: str) -> list[str]:
    """A BitstringStatusListEntry's own rules (BSL 1.0 section 2.1)."""
    problems = []
    if not isinstance(entry.get("statusPurpose"), str) or not entry.get("statusPurpose"):
        problems.append(f"{where}: statusPurpose must be a string")
    try:
        parse_index(entry.get("statusListIndex"))
    except StatusListError as exc:
        problems.append(f"{where}: {exc}")
    if not is_url(entry.get("statusListCredential")):
        problems.append(f"{where}: statusListCredential must be a URL")
    if "id" in entry and not is_url(entry["id"]):
        problems.append(f"{where}: id must be a URL")
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1 or size > 8:
        problems.append(f"{where}: statusSize must be an integer from 1 to 8")
    elif "statusMessage" in entry or size > 1:
        messages = entry.get("statusMessage")
        if not isinstance(messages, list) or len(messages) != 2 ** size:
            problems.append(f"{where}: statusMessage must list {2 ** size} messages for a statusSize of {size}")
        elif not all(isinstance(m, dict) and isinstance(m.get("status"), str) and isinstance(m.get("message"), str)
                     for m in messages):
            problems.append(f"{where}: every statusMessage needs a 'status' and a 'message' string")
    return problems


def _walk_status_entries(value, path: str, out: list[str], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(value, dict):
        if "BitstringStatusListEntry" in as_list(value.get("type")):
            out.extend(status_entry_problems(value, path or "(document)"))
        for key, item in value.items():
            _walk_status_entries(item, f"{path}/{key}" if path else key, out, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_status_entries(item, f"{path}/{i}", out, depth + 1)


def credential_problems(credential: dict, *, everywhere: bool = True) -> list[str]:
    """Every violation of the data model's MUSTs we can see without JSON-LD; empty when fine.

    `everywhere`: look for malformed status entries in the whole document (what an issuer must
    refuse to sign); the verifier looks at `credentialStatus` only, the entries it will read."""
    problems = []
    v1 = as_list(credential.get("@context"))[:1] == [ld.VC_V1]
    types = credential.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
        problems.append("type must be a list of strings")
    elif "VerifiableCredential" not in types:
        problems.append("type must include VerifiableCredential")
    if "id" in credential and not is_url(credential["id"]):
        problems.append("id must be a single URL")
    if "issuer" not in credential:
        problems.append("issuer is missing")
    else:
        problem = _issuer_problem(credential["issuer"])
        if problem:
            problems.append(problem)
    subjects = credential.get("credentialSubject")
    if not isinstance(subjects, (dict, list)) or subjects in ({}, []) or (
            isinstance(subjects, list) and not all(isinstance(s, dict) and s for s in subjects)):
        problems.append("credentialSubject must be an object (or a non-empty list of objects)")
    else:
        for subject in as_list(subjects):
            if "id" in subject and not is_url(subject["id"]):
                problems.append("credentialSubject.id must be a URL")
    for key in ("name", "description"):
        if key in credential and not _language_value_ok(credential[key]):
            problems.append(f"{key} must be a string or a language value object")
    dates = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    pattern = DATE_TIME if v1 else DATE_TIME_STAMP
    for key in dates:
        if key in credential and not (isinstance(credential[key], str) and pattern.fullmatch(credential[key])):
            problems.append(f"{key} {credential[key]!r} is not a date-time{' with a time zone' if not v1 else ''}")
    if v1 and "issuanceDate" not in credential:
        problems.append("a VCDM 1.1 credential must have an issuanceDate")
    for key in TYPED_MEMBERS:
        if key not in credential:
            continue
        entries = credential[key]
        if entries in ([], None) or not all(isinstance(e, dict) for e in as_list(entries)):
            problems.append(f"{key} must be an object or a list of objects")
            continue
        for entry in as_list(entries):
            if not _types_ok(entry.get("type")):
                problems.append(f"every {key} entry needs a type")
            if key == "credentialSchema" and not is_url(entry.get("id")):
                problems.append("every credentialSchema entry needs an id that is a URL")
            elif key != "credentialSchema" and "id" in entry and not is_url(entry["id"]):
                problems.append(f"a {key} id must be a URL")
    if "relatedResource" in credential:
        problems.extend(_related_resource_problems(credential["relatedResource"]))
    if everywhere:
        _walk_status_entries(credential, "", problems)
    else:
        for entry in as_list(credential.get("credentialStatus")):
            if isinstance(entry, dict) and "BitstringStatusListEntry" in as_list(entry.get("type")):
                problems.extend(status_entry_problems(entry, "credentialStatus"))
    return problems


def _related_resource_problems(resources) -> list[str]:
    # VCDM 2.0 section 5.3: "The value of the relatedResource property MUST be one or more
    # objects": one object, or a list of them.
    resources = [resources] if isinstance(resources, dict) else resources
    if not isinstance(resources, list) or not resources or not all(isinstance(r, dict) for r in resources):
        return ["relatedResource must be an object or a list of objects"]
    problems, seen = [], set()
    for resource in resources:
        rid = resource.get("id")
        if not is_url(rid):
            problems.append("every relatedResource needs an id that is a URL")
        elif rid in seen:
            problems.append(f"relatedResource {rid} is listed twice")
        seen.add(rid)
        if not any(isinstance(resource.get(k), (str, list)) for k in ("digestSRI", "digestMultibase")):
            problems.append("every relatedResource needs a digestSRI or a digestMultibase")
    return problems


def presentation_problems(presentation: dict) -> list[str]:
    problems = []
    types = presentation.get("type")
    if types is None:
        problems.append("type is missing")
    elif not _types_ok(types) or "VerifiablePresentation" not in as_list(types):
        problems.append("type must include VerifiablePresentation")
    if "id" in presentation and not is_url(presentation["id"]):
        problems.append("id must be a single URL")
    if "holder" in presentation:
        holder = presentation["holder"]
        if not (is_url(holder) or (isinstance(holder, dict) and is_url(holder.get("id")))):
            problems.append("holder must be a URL or an object whose id is a URL")
    return problems
