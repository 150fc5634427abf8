"""`verify_credential`: one function, one result, for a credential in any form we accept: a JSON
object or text (embedded Data Integrity proof), a compact VC-JWT, or an Open Badges baked PNG or
SVG holding either.

Each check is independent and reports pass / fail / warning / skipped with a reason; a check
that cannot run because an earlier one failed says so (skipped) instead of raising. The
resolver, the document loader, and the status and framework checkers are passed in, as
digitalbazaar/vc does, so the same function runs offline (`ler verify`) and in the service.

Cost: an eddsa-rdfc-2022 proof canonicalizes the document in JSON-LD safe mode, which is the
`jsonld` check's expansion and more, so when that proof verifies the document is not expanded
a second time; it is expanded on its own only for other proofs, or to explain a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any, Callable, Required, TypedDict

from issuer.dates import CLOCK_SKEW, parse_datetime
from issuer.credentials import identity
from issuer.credentials.baked import MAX_IMAGE_BYTES, BakingError, baked_image_kind, extract_png, extract_svg
from issuer.credentials.schema import CLR_CREDENTIAL, OB_ACHIEVEMENT_CREDENTIAL, known_schema
from issuer.errors import DocumentLoaderError, JsonLdError, SafeModeError
from issuer.proofs import data_integrity, jwt as vcjwt, ld
from issuer.proofs.did import Resolver
from issuer.verify import budget, clr, legacy
from issuer.verify.budget import MAX_DEPTH
from issuer.verify.result import FAIL, PASS, SKIPPED, WARNING, VerificationResult
from issuer.verify.schemas import schema_problems
from issuer.verify.integrity import related_resource_problems
from issuer.verify.vcdm import as_list, credential_problems
from issuer.vocab import OB_CONTEXT_PREFIX

OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
MAX_INPUT_BYTES = 2 * 1024 * 1024
# Proofs whose verification canonicalizes the document in safe mode, so that it is also the
# jsonld check (a cryptosuite, or the legacy proof type).
RDFC_PROOFS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ecdsa-sd-2023", legacy.PROOF_TYPE, *data_integrity.LEGACY_SUITES)

Checker = Callable[[dict, VerificationResult], None]
# Called with the moment of verification as well, since lists have their own validity period.
StatusCheck = Callable[[dict, VerificationResult, datetime], None]


def _unreadable(result: VerificationResult, message: str) -> tuple[None, None]:
    result.readable = False
    result.add("parse", FAIL, message)
    return None, None


def _over_budget(document: dict, result: VerificationResult, presentation: bool) -> bool:
    """Whether `document` would cost more to verify than any credential needs (issuer.verify.budget)."""
    reason = budget.check(document, presentation=presentation)
    if reason:
        _unreadable(result, reason)
    return reason is not None


def _parse(data: Any, result: VerificationResult, presentation: bool = False) -> tuple[dict | None, str | None]:
    """(credential, jwt) from whatever we were handed; records the 'parse' check."""
    form = "a JSON object"
    if isinstance(data, dict):
        if _over_budget(data, result, presentation):
            return None, None
        result.add("parse", PASS, form)
        return data, None
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        image = baked_image_kind(data)
        if image:
            if len(data) > MAX_IMAGE_BYTES:
                return _unreadable(result, f"the image is larger than {MAX_IMAGE_BYTES} bytes")
            try:
                data = extract_png(data) if image == "PNG" else extract_svg(data)
            except BakingError as exc:
                return _unreadable(result, f"the {image} image carries no readable credential: {exc}")
            form = f"an Open Badges baked {image} image holding "
        else:
            form = ""
            if len(data) > MAX_INPUT_BYTES:
                return _unreadable(result, f"the input is larger than {MAX_INPUT_BYTES} bytes")
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                return _unreadable(result, "the input is not UTF-8 text (nor a JSON credential, a JWT or a "
                                           "baked PNG or SVG)")
    else:
        form = ""
    if not isinstance(data, str):
        return _unreadable(result, "the input is neither JSON nor a JWT")
    text = data.strip()
    if vcjwt.looks_like_jwt(text) and not text.startswith("{"):
        result.add("parse", PASS, f"{form}a compact JWT (VC-JWT)" if form else "a compact JWT (VC-JWT)")
        return None, text
    if budget.json_depth(text) > MAX_DEPTH:
        return _unreadable(result, f"the JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return _unreadable(result, f"the input is not valid JSON: {str(exc)[:200]}")
    if not isinstance(value, dict):
        return _unreadable(result, "the JSON is not an object, so it cannot be a credential")
    if _over_budget(value, result, presentation):
        return None, None
    result.add("parse", PASS, f"{form}a JSON credential" if form else "a JSON object")
    return value, None


@dataclass(frozen=True)
class Reading:
    """Where every verification starts: the document as parsed (None, with `token`, for a compact
    VC-JWT; both None when unreadable), the result holding its 'parse' check, and the loader and
    moment of verification with their defaults filled in."""
    document: dict | None
    token: str | None
    result: VerificationResult
    loader: Any
    now: datetime


def read(data: Any, loader=None, now: datetime | None = None, *, presentation: bool = False) -> Reading:
    result = VerificationResult()
    document, token = _parse(data, result, presentation)
    return Reading(document, token, result, loader or ld.default_loader(), now or datetime.now(timezone.utc))


class VerifyOptions(TypedDict, total=False):
    """The options a credential is verified with; a presentation takes the same, and passes them
    on to each credential it holds."""
    resolver: Required[Resolver]
    loader: Any
    now: datetime | None
    status_checker: StatusCheck | None
    framework_checker: Checker | None


def check_contexts(document: dict, loader, result: VerificationResult, ob_types=OB_TYPES) -> bool:
    contexts = document.get("@context")
    if contexts is None:
        result.add("contexts", FAIL, "the document has no @context")
        return False
    if not isinstance(contexts, list) or not contexts:
        result.add("contexts", FAIL, "@context must be a non-empty list")
        return False
    first = contexts[0]
    if first not in (ld.VC_V2, ld.VC_V1):
        result.add("contexts", FAIL, f"the first @context must be {ld.VC_V2} (or the VCDM 1.1 {ld.VC_V1}), not {first!r}")
        return False
    store = getattr(loader, "store", None)
    for entry in contexts:
        if not isinstance(entry, (str, dict)):
            result.add("contexts", FAIL, f"@context entry {entry!r} is neither a URL nor an object")
            return False
        if isinstance(entry, str) and store is not None and entry not in store:
            result.add("contexts", FAIL, f"unknown context {entry}: only known, hash-checked contexts are used, "
                                         "and no context is ever fetched")
            return False
    older = [c for c in contexts if isinstance(c, str) and c.startswith(OB_CONTEXT_PREFIX) and c != ld.OB_V3]
    if first == ld.VC_V2 and older:
        # OB 3.0 section 8 and the 1EdTech validator: the VCDM 2.0 form of a badge uses context
        # 3.0.3; the earlier OB contexts were written against VCDM 1.1 and define terms (issuanceDate,
        # expirationDate...) that VCDM 2.0 replaced.
        result.add("contexts", FAIL, f"an Open Badges credential on the VCDM 2.0 context must use {ld.OB_V3}; "
                                     f"{older[0]} is for VCDM 1.1 credentials")
        return False
    if {t for t in as_list(document.get("type")) if isinstance(t, str)} & set(ob_types):
        second = contexts[1] if len(contexts) > 1 else None
        if not (isinstance(second, str) and second.startswith(OB_CONTEXT_PREFIX)):
            result.add("contexts", FAIL, "an Open Badges credential needs the OB 3.0 context right after the VC context")
            return False
    result.add("contexts", PASS, "every context is known and hash-checked, in the required order")
    return True


def jsonld_problem(document: dict, loader) -> str | None:
    try:
        ld.expand({k: v for k, v in document.items() if k != "proof"}, loader)
    except SafeModeError as exc:
        return str(exc)
    except (DocumentLoaderError, JsonLdError) as exc:
        return f"JSON-LD processing failed: {exc}"
    return None


def _check_schema(credential: dict, result: VerificationResult) -> None:
    claimed = [s.get("id") for s in as_list(credential.get("credentialSchema")) if isinstance(s, dict)]
    known = [url for url in claimed if isinstance(url, str) and known_schema(url)]
    types = set(t for t in as_list(credential.get("type")) if isinstance(t, str))
    if not known and types & OB_TYPES:
        known = [OB_ACHIEVEMENT_CREDENTIAL]
    if not known and "ClrCredential" in types:
        known = [CLR_CREDENTIAL]
    if not known:
        unknown = [u for u in claimed if u]
        result.add("schema", SKIPPED if not unknown else WARNING,
                   "no 1EdTech schema applies" if not unknown else f"schema {unknown[0]} is not one we ship; not checked")
        return
    if as_list(credential.get("@context"))[:1] == [ld.VC_V1]:
        result.add("schema", WARNING, "a VCDM 1.1 credential: the OB 3.0 schema (VCDM 2.0) was not applied")
        return
    errors = []
    for url in known:
        errors += schema_problems(credential, url)
    if errors:
        result.add("schema", FAIL, f"{len(errors)} schema violation(s): " + "; ".join(errors[:5]))
    else:
        result.add("schema", PASS, "valid against " + ", ".join(u.rsplit("/", 1)[-1] for u in known))


def _check_dates(credential: dict, now: datetime, result: VerificationResult) -> None:
    v1 = as_list(credential.get("@context"))[:1] == [ld.VC_V1]
    start_key, end_key = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    start_raw, end_raw = credential.get(start_key), credential.get(end_key)
    start, end = parse_datetime(start_raw), parse_datetime(end_raw)
    if start_raw is not None and start is None:
        result.add("dates", FAIL, f"{start_key} {start_raw!r} is not a valid date-time")
    elif end_raw is not None and end is None:
        result.add("dates", FAIL, f"{end_key} {end_raw!r} is not a valid date-time")
    elif v1 and start is None:
        result.add("dates", FAIL, "a VCDM 1.1 credential must have an issuanceDate")
    elif start and now + CLOCK_SKEW < start:
        result.add("dates", FAIL, f"not yet valid: valid from {start_raw}")
    elif end and now > end:
        result.add("dates", FAIL, f"expired: valid until {end_raw}")
    elif start and end and end < start:
        result.add("dates", FAIL, f"{end_key} is before {start_key}")
    else:
        span = f"valid from {start_raw or '(unspecified)'}" + (f" until {end_raw}" if end_raw else "")
        result.add("dates", PASS, span)


def _check_issuer(credential: dict, controller: str | None, result: VerificationResult) -> None:
    issuer = vcjwt.issuer_id(credential)
    if controller is None:
        result.add("issuer", SKIPPED, "the proof did not verify, so the signer is unknown")
    elif issuer == controller:
        result.add("issuer", PASS, f"signed by the issuer {issuer}")
    else:
        result.add("issuer", FAIL, f"signed by {controller}, but the credential names {issuer} as issuer")


def _check_recipient(credential: dict, recipient: str, result: VerificationResult) -> None:
    for subject in as_list(credential.get("credentialSubject")):
        if not isinstance(subject, dict):
            continue
        if subject.get("id") == recipient:
            result.add("recipient", PASS, f"issued to {recipient}")
            return
        if any(identity.matches(i, recipient) for i in as_list(subject.get("identifier"))):
            result.add("recipient", PASS, f"issued to {recipient} (matched the hashed identifier)")
            return
    result.add("recipient", FAIL, f"not issued to {recipient}")


def verify_one_proof(document: dict, proof: dict, *, resolver, loader, purpose: str = "assertionMethod",
                     challenge: str | None = None, domain: str | None = None):
    """A Data Integrity proof, or the legacy Ed25519Signature2020 that wallets such as the
    Learner Credential Wallet still sign presentations with."""
    if proof.get("type") == legacy.PROOF_TYPE:
        return legacy.verify(document, proof, resolver=resolver, loader=loader, expected_purpose=purpose,
                             challenge=challenge, domain=domain)
    return data_integrity.verify_proof(document, proof, resolver=resolver, loader=loader,
                                       expected_purpose=purpose, challenge=challenge, domain=domain)


def verify_proofs(document: dict, proofs: list, resolver, loader, *, purpose: str = "assertionMethod",
                  challenge: str | None = None, domain: str | None = None) -> tuple[bool, str, str | None]:
    """(verified, message, the one controller of all proofs or None) for a proof set or chain."""
    if any(not isinstance(p, dict) for p in proofs):
        return False, "every proof must be a JSON object", None
    ids = {p.get("id") for p in proofs if p.get("id")}
    controllers, messages = set(), []
    for proof in proofs:
        previous = proof.get("previousProof")
        if previous is not None and any(p not in ids for p in as_list(previous)):
            return False, f"previousProof {previous!r} names a proof that is not there", None
        outcome = verify_one_proof(document, proof, resolver=resolver, loader=loader, purpose=purpose,
                                   challenge=challenge, domain=domain)
        if not outcome.verified:
            return False, outcome.message, None
        controllers.add(outcome.controller)
        messages.append(outcome.message)
    return True, "; ".join(messages), controllers.pop() if len(controllers) == 1 else None


def check_jsonld_and_proof(document: dict, contexts_ok: bool, resolver, loader, result: VerificationResult,
                           **proof_options) -> tuple[bool, str, str | None] | None:
    """Add the `jsonld` check; return the proof outcome (verified, message, controller), or None
    when there is no proof, for the caller to report in its place among the checks."""
    proofs = as_list(document.get("proof"))
    rdfc = bool(proofs) and all(isinstance(p, dict) and (p.get("cryptosuite") in RDFC_PROOFS
                                                         or p.get("type") in RDFC_PROOFS) for p in proofs)
    if not contexts_ok:
        result.add("jsonld", SKIPPED, "not processed: the contexts are not acceptable")
        if rdfc:
            return (False, "not verifiable: the document's contexts are not acceptable (see the contexts check)", None)
        return verify_proofs(document, proofs, resolver, loader, **proof_options) if proofs else None
    if rdfc:
        outcome = verify_proofs(document, proofs, resolver, loader, **proof_options)
        problem = None if outcome[0] else jsonld_problem(document, loader)
    else:
        problem = jsonld_problem(document, loader)
        outcome = verify_proofs(document, proofs, resolver, loader, **proof_options) if proofs else None
    if problem:
        result.add("jsonld", FAIL, problem)
    else:
        result.add("jsonld", PASS, "every term and type is defined by the contexts (safe mode)")
    return outcome


def _check_suite_names(credential: dict, result: VerificationResult) -> None:
    """A warning for a cryptosuite verified under a name the specifications have since replaced."""
    old = sorted({p["cryptosuite"] for p in as_list(credential.get("proof"))
                  if isinstance(p, dict) and isinstance(p.get("cryptosuite"), str)
                  and p["cryptosuite"] in data_integrity.LEGACY_SUITES})
    if old:
        result.add("cryptosuite", WARNING, "; ".join(
            f"{name} is the draft name of {data_integrity.LEGACY_SUITES[name]}: verified as that suite, but the "
            "issuer should sign with the final name" for name in old))


def verify_credential(
    data: Any,
    *,
    resolver: Resolver,
    loader=None,
    now: datetime | None = None,
    recipient: str | None = None,
    status_checker: StatusCheck | None = None,
    framework_checker: Checker | None = None,
) -> VerificationResult:
    """Verify a credential given as a dict, JSON text/bytes, a compact VC-JWT, or a baked image."""
    reading = read(data, loader, now)
    credential, token, result, loader, now = (reading.document, reading.token, reading.result, reading.loader,
                                              reading.now)
    if credential is None and token is None:
        return result

    jwt_outcome = None
    if token is not None:
        jwt_outcome = vcjwt.verify(token, resolver=resolver)
        credential = jwt_outcome.credential
        if credential is None:
            result.readable = False
            result.add("proof", FAIL, jwt_outcome.message)
            return result
        if _over_budget(credential, result, False):
            return result
    result.credential = credential

    problems = credential_problems(credential, everywhere=False) + related_resource_problems(
        credential, getattr(loader, "store", None))
    if problems:
        result.add("structure", FAIL, "; ".join(problems[:8]))
    else:
        result.add("structure", PASS, "type, issuer, credentialSubject and dates are present and well formed")
    contexts_ok = check_contexts(credential, loader, result)
    if token is None:
        outcome = check_jsonld_and_proof(credential, contexts_ok, resolver, loader, result)
    else:
        if contexts_ok:
            problem = jsonld_problem(credential, loader)
            result.add("jsonld", FAIL if problem else PASS,
                       problem or "every term and type is defined by the contexts (safe mode)")
        else:
            result.add("jsonld", SKIPPED, "not processed: the contexts are not acceptable")
        outcome = (jwt_outcome.verified, jwt_outcome.message, jwt_outcome.controller if jwt_outcome.verified else None)
    _check_schema(credential, result)
    if outcome is None:
        result.add("proof", FAIL, "the credential carries no proof")
        controller = None
    else:
        result.add("proof", PASS if outcome[0] else FAIL, outcome[1])
        controller = outcome[2] if outcome[0] else None
        _check_suite_names(credential, result)
    _check_issuer(credential, controller, result)
    _check_dates(credential, now, result)
    if status_checker is not None:
        status_checker(credential, result, now)
    elif credential.get("credentialStatus") is not None:
        result.add("status", WARNING, "the credential has a status entry that this verifier could not check")
    else:
        result.add("status", SKIPPED, "the credential has no status entry")
    if framework_checker is not None:
        framework_checker(credential, result)
    if budget.is_record(credential):
        clr.check_record(credential, result, partial(
            verify_credential, resolver=resolver, loader=loader, now=now, status_checker=status_checker,
            framework_checker=framework_checker))
    if recipient:
        _check_recipient(credential, recipient, result)
    return result
