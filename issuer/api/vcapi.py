"""The W3C VC-API, plain JSON over HTTP: issue, verify credentials and presentations, update a
credential's status. (`GET /credentials/<id>` is the public credential page's, by content
negotiation.)

Issuing and status updates are for a sponsor's own credentials and need its API key. The
caller names the issuer and we never rewrite it: a sponsor may issue only as its own identifiers
(`GET /api/v1/sponsor` lists them): its did:web, or the did:key of one of its own active keys,
which conformance clients ask for. The service's own identity is never offered to a sponsor. The
caller gets back its credential with only what the proof needs added (VC-API: the issuer adds
nothing the caller did not ask for). Status entries come when `options.credentialStatus` asks for
them or the sponsor turned them on for all its VC-API credentials (`ler sponsors vcapi-status`): a
revocation and a suspension BitstringStatusListEntry (VCDM 2.0 allows a list of entries), or for
Open Badges, bound by the OB 3.0 schema to one entry, the single revocation entry our own Open
Badges carry (see issuer.status.lists). Every credential is kept (with its slot), so the sponsor
can fetch it again by its id.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify

from issuer.api.jsonbody import json_object
from issuer.api.problems import problem
from issuer.api.status import sponsor_only, status_problem
from issuer.api.context import services as _services
from issuer.credentials.schema import OB_ACHIEVEMENT_CREDENTIAL
from issuer.db import session_scope
from issuer.errors import KeyError_, LerError
from issuer.issuance import signing, slots as credential_slots
from issuer.proofs import jwt as vcjwt, ld
from issuer.sponsors.models import Sponsor
from issuer.status import lists, services as status_services
from issuer.status.services import StatusError
from issuer.verify import budget
from issuer.verify.integrity import related_resource_problems
from issuer.verify.presentation import embedded_credential
from issuer.verify.result import VerificationResult
from issuer.verify.service import verifier_for
from issuer.verify.vcdm import as_list, credential_problems, is_url
from issuer.verify.verifier import OB_TYPES, check_contexts

bp = Blueprint("vcapi", __name__)
STATUS_TYPES = ("BitstringStatusListEntry", "BitstringStatusList")
OPENAPI = Path(__file__).with_name("openapi.json")
MAX_ID_LENGTH = 500            # the status_entries.credential_id column


@lru_cache(maxsize=1)
def _openapi() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of the VC-API, status and verification endpoints."""
    return jsonify(_openapi())



def _options(body: dict) -> dict:
    options = body.get("options", {})
    if not isinstance(options, dict):
        abort(problem(400, "Bad Request", "options must be a JSON object"))
    return options


def _issuable(credential: dict) -> list[str]:
    """Why the VC-API refuses to sign `credential` (empty: it may be signed)."""
    over_budget = budget.refusal(credential)  # signing canonicalizes too: the verifier's budget holds
    if over_budget:
        return [over_budget]
    result = VerificationResult()
    if not check_contexts(credential, _services().loader, result, ob_types=()):
        return [result.check("contexts").message]
    problems = credential_problems(credential) + related_resource_problems(credential, _services().loader.store)
    if "proof" in credential:
        problems.append("the credential already carries a proof")
    if isinstance(credential.get("id"), str) and len(credential["id"]) > MAX_ID_LENGTH:
        problems.append(f"id is longer than {MAX_ID_LENGTH} characters")
    return problems


def _ob_bound(credential: dict) -> bool:
    """Whether the OB 3.0 schema applies, which allows one credentialStatus object only."""
    types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
    schemas = {s.get("id") for s in as_list(credential.get("credentialSchema")) if isinstance(s, dict)}
    return bool(types & OB_TYPES) or OB_ACHIEVEMENT_CREDENTIAL in schemas


def _status_purposes(credential: dict, options: dict, sponsor_default: bool) -> tuple[str, ...]:
    """The status entries to add: none unless `options.credentialStatus` asks (an object of type
    BitstringStatusListEntry, optionally naming its statusPurpose or purposes) or the sponsor
    turned them on. Open Badges have room for one: revocation."""
    asked = options.get("credentialStatus")
    if asked is None:
        if not sponsor_default:
            return ()
        asked = {"type": "BitstringStatusListEntry"}
    if not isinstance(asked, dict) or asked.get("type") != "BitstringStatusListEntry":
        raise StatusError("options.credentialStatus must be an object of type BitstringStatusListEntry", 400)
    named = asked.get("statusPurpose")
    purposes = tuple(as_list(named)) if named is not None else (
        (lists.REVOCATION,) if _ob_bound(credential) else (lists.REVOCATION, lists.SUSPENSION))
    if not purposes or any(p not in (lists.REVOCATION, lists.SUSPENSION) for p in purposes):
        raise StatusError("options.credentialStatus.statusPurpose must be revocation or suspension (or both)", 400)
    if _ob_bound(credential) and purposes != (lists.REVOCATION,):
        raise StatusError("an Open Badges credential has room for one credentialStatus: only a revocation entry "
                          "can be added", 400)
    return tuple(dict.fromkeys(purposes))


def _prepared(credential: dict, base_url: str, list_id: int, index: int, purposes: tuple[str, ...]) -> dict:
    """The credential with what its proof needs and the status entries asked for (after any it
    had), its other members untouched."""
    document = dict(credential)
    contexts = list(document["@context"])
    if contexts[0] == ld.VC_V1:
        # VCDM 1.1's context defines neither the Data Integrity proof nor the status entry.
        contexts += [c for c in ((ld.STATUS_V1,) if purposes else ()) + (ld.DATA_INTEGRITY_V2,)
                     if c not in contexts]
        document["@context"] = contexts
    entries = [lists.status_entry(base_url, list_id, index, purpose) for purpose in purposes]
    if _ob_bound(credential) and entries:
        document["credentialStatus"] = entries[0]
    elif entries:
        document["credentialStatus"] = as_list(credential.get("credentialStatus")) + entries
    return document


@bp.post("/credentials/issue")
@sponsor_only
def issue():
    body = json_object()
    credential = body.get("credential")
    options = _options(body)
    if not isinstance(credential, dict):
        return problem(400, "Bad Request", "the body needs a 'credential' object")
    problems = _issuable(credential)
    if problems:
        return problem(400, "Bad Request", "; ".join(problems[:8]), errors=problems)
    services = _services()
    issuer = vcjwt.issuer_id(credential)
    with session_scope(services.sessions) as session:
        sponsor = session.get(Sponsor, g.sponsor_id)
        try:
            purposes = _status_purposes(credential, options, sponsor.vcapi_status)
        except StatusError as exc:
            return status_problem(exc)
        if purposes and _ob_bound(credential) and "credentialStatus" in credential:
            return problem(400, "Bad Request", "an Open Badges credential has room for one credentialStatus, "
                                               "which we add: leave it out", field="credential.credentialStatus")
        services.keys.ensure(session, sponsor)
        allowed = services.keys.identifiers(session, sponsor)
        if issuer not in allowed:
            return problem(400, "Bad Request", f"this API key cannot issue as {issuer}: it issues only as "
                                               f"{' or '.join(allowed)}", allowedIssuers=allowed)
        credential_id = credential.get("id") or (options.get("credentialId") if isinstance(
            options.get("credentialId"), str) else None)
        if credential_id is not None and len(credential_id) > MAX_ID_LENGTH:
            return problem(400, "Bad Request", f"options.credentialId is longer than {MAX_ID_LENGTH} characters")
        list_id, index, entry = status_services.issue_slot(session, g.sponsor_id, credential_id, issuer)
        document = _prepared(credential, services.config.base_url, list_id, index, purposes)
        try:
            suite = services.keys.cryptosuite_for(session, issuer, options.get("cryptosuite"))
            signed = signing.with_proof(session, services.keys, document, loader=services.loader, cryptosuite=suite)
        except KeyError_ as exc:
            # Our key, not the caller's request, is at fault (start-up checks make this rare).
            session.rollback()
            return problem(503, "Service Unavailable", f"the service cannot sign now: {exc}")
        except LerError as exc:
            session.rollback()
            return problem(400, "Bad Request", f"the credential cannot be signed: {exc}")
        entry.document = signed
    response = jsonify({"verifiableCredential": signed})
    response.status_code = 201
    return response


def _verification_response(result: VerificationResult):
    response = jsonify(result.to_json())
    response.status_code = 200 if result.verified else 400
    return response


@bp.post("/credentials/verify")
def verify_credential_view():
    body = json_object()
    options = _options(body)
    if "verifiableCredential" not in body:
        return problem(400, "Bad Request", "the body needs a 'verifiableCredential'")
    if not isinstance(body["verifiableCredential"], dict):
        # VC-API: a credential is a JSON object (a VC-JWT travels as an EnvelopedVerifiableCredential).
        # A string is never parsed: JSON inside a string is not the credential the caller sent.
        return problem(400, "Bad Request", "verifiableCredential must be a JSON object (a VC-JWT goes in an "
                                           "EnvelopedVerifiableCredential), not "
                                           f"{type(body['verifiableCredential']).__name__}",
                       field="verifiableCredential")
    recipient = options.get("recipient") if isinstance(options.get("recipient"), str) else None
    credential = embedded_credential(body["verifiableCredential"])
    result = verifier_for(current_app).credential(credential, recipient=recipient,
                                                  status_required=_status_required(options))
    return _verification_response(result)


@bp.post("/presentations/verify")
def verify_presentation_view():
    body = json_object()
    options = _options(body)
    presentation = body.get("verifiablePresentation", body.get("presentation"))
    if presentation is None:
        return problem(400, "Bad Request", "the body needs a 'verifiablePresentation'")
    challenge, domain = options.get("challenge"), options.get("domain")
    if not all(v is None or isinstance(v, str) for v in (challenge, domain)):
        return problem(400, "Bad Request", "options.challenge and options.domain must be strings")
    result = verifier_for(current_app).presentation(presentation, challenge=challenge, domain=domain,
                                                    status_required=_status_required(options))
    return _verification_response(result)


def _status_required(options: dict) -> bool:
    """Whether the caller listed the status among `options.checks`: then a status we cannot
    check fails verification instead of passing with a warning."""
    checks = options.get("checks")
    return isinstance(checks, list) and any(c in ("credentialStatus", "status") for c in checks)


def _status_requests(body: dict) -> list[tuple[str, bool]]:
    """(purpose, new state) pairs from an UpdateCredentialStatusRequest."""
    default = body.get("status", True)
    requested = []
    for item in as_list(body.get("credentialStatus")):
        if not isinstance(item, dict) or item.get("type") not in STATUS_TYPES:
            raise StatusError("each credentialStatus must be an object of type BitstringStatusListEntry", 400)
        purpose, state = item.get("statusPurpose"), item.get("status", default)
        if purpose not in (lists.REVOCATION, lists.SUSPENSION):
            raise StatusError("statusPurpose must be revocation or suspension", 400)
        if not isinstance(state, bool):
            raise StatusError("status must be true (set) or false (clear)", 400)
        requested.append((purpose, state))
    if not requested:
        raise StatusError("name the status to change in credentialStatus", 400)
    return requested


@bp.post("/credentials/status")
@sponsor_only
def update_status():
    body = json_object()
    services = _services()
    credential_id = body.get("credentialId")
    try:
        requested = _status_requests(body)
        reason = body.get("reason") if isinstance(body.get("reason"), str) else "updated through the VC-API"
        with session_scope(services.sessions) as session:
            slots = credential_slots.find_slots(session, g.sponsor_id, credential_id) if isinstance(
                credential_id, str) and credential_id else []
            if not slots:
                for item in as_list(body.get("credentialStatus")):
                    url, index = item.get("statusListCredential"), item.get("statusListIndex")
                    if is_url(url) and isinstance(index, str) and index.isdigit():
                        slot = credential_slots.slot_at(session, g.sponsor_id, url, int(index),
                                                       services.config.base_url)
                        slots = [slot] if slot else []
            if not slots:
                return problem(404, "Not Found", f"no credential {credential_id!r} of this sponsor")
            outcome = None
            for purpose, state in requested:
                if purpose == lists.REVOCATION and not state:
                    if status_services.current(session, slots[0])[0]:
                        raise StatusError("revocation is permanent: a revoked credential cannot be un-revoked")
                    continue
                action = "revoke" if purpose == lists.REVOCATION else ("suspend" if state else "reinstate")
                outcome = status_services.change(session, services.issuance, slots, action, reason,
                                                 f"vc-api:{g.sponsor_name}", idempotent=True)
            revoked, suspended = status_services.current(session, slots[0])
    except StatusError as exc:
        return status_problem(exc)
    return jsonify({"credentialId": credential_id, "revoked": revoked, "suspended": suspended,
                    "changedAt": outcome.changed_at if outcome else None})
