"""`verify_presentation`: a verifiable presentation, signed (proofPurpose `authentication`, the
verifier's challenge and domain when it gave them, the holder as signer) or unsigned, and every
credential in it, each with its own full result.
"""

from __future__ import annotations

from typing import Any, Unpack

from issuer.verify.result import FAIL, PASS, SKIPPED, VerificationResult
from issuer.verify.vcdm import as_list, presentation_problems
from issuer.verify.verifier import VerifyOptions, check_contexts, check_jsonld_and_proof, read, verify_credential

ENVELOPED = "EnvelopedVerifiableCredential"
JWT_DATA_URL = "data:application/vc+jwt,"


def embedded_credential(item) -> Any:
    """An embedded credential as verify_credential takes it (an enveloped VC-JWT becomes its token)."""
    if isinstance(item, dict) and ENVELOPED in as_list(item.get("type")):
        value = item.get("id")
        if isinstance(value, str) and value.startswith(JWT_DATA_URL):
            return value[len(JWT_DATA_URL):]
    return item


def verify_presentation(data: Any, *, challenge: str | None = None, domain: str | None = None,
                        **options: Unpack[VerifyOptions]) -> VerificationResult:
    """A presentation as a dict or JSON text (a JWT presentation is refused), verified with
    `options` (see VerifyOptions), which each credential in it is verified with too."""
    reading = read(data, options.get("loader"), options.get("now"), presentation=True)
    presentation, result, resolver, loader = reading.document, reading.result, options["resolver"], reading.loader
    if reading.token is not None:
        result.readable = False
        result.add("structure", FAIL, "a JWT presentation is not accepted here; send the presentation as JSON")
        return result
    if presentation is None:
        return result
    result.credential = presentation
    problems = presentation_problems(presentation)
    result.add("structure", FAIL if problems else PASS,
               "; ".join(problems) if problems else "type, holder and id are well formed")
    contexts_ok = check_contexts(presentation, loader, result, ob_types=())
    outcome = check_jsonld_and_proof(presentation, contexts_ok, resolver, loader, result,
                                     purpose="authentication", challenge=challenge, domain=domain)
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if outcome is None:
        if challenge is not None or domain is not None:
            result.add("proof", FAIL, "the presentation is not signed, so the challenge and domain cannot be checked")
        else:
            result.add("proof", SKIPPED, "an unsigned presentation: only its credentials are verified")
    elif not outcome[0]:
        result.add("proof", FAIL, outcome[1])
    elif holder is not None and outcome[2] != holder:
        result.add("proof", FAIL, f"signed by {outcome[2]}, but the holder is {holder}")
    else:
        result.add("proof", PASS, outcome[1] + (f" (challenge {challenge!r} matched)" if challenge else ""))
    items = presentation.get("verifiableCredential")
    if items is None:
        result.add("credentials", SKIPPED, "the presentation holds no credential")
        return result
    failures = []
    for position, item in enumerate(as_list(items), 1):
        nested = verify_credential(embedded_credential(item), **{**options, "loader": loader, "now": reading.now})
        result.credentials.append(nested)
        if not nested.verified:
            first = nested.failed[0] if nested.failed else None
            failures.append(f"credential {position}: " + (f"{first.name}: {first.message}" if first else "unreadable"))
    if failures:
        result.add("credentials", FAIL, "; ".join(failures[:5]))
    else:
        result.add("credentials", PASS, f"{len(result.credentials)} credential(s) verified")
    return result
