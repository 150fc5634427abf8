"""Our OpenID4VP 1.0 verifier judged by independent implementations from npm, run by Node:

* `dcql`, the OpenWallet Foundation's DCQL library (tests/node/dcql_match.mjs), parses and
  validates the DCQL query of our signed Request Object and says which of our credentials answer
  it, as a wallet (query) and as a verifier (presentation) would;
* `@openid4vc/openid4vp`, the same project's OpenID4VP library (tests/node/openid4vp_wallet.mjs),
  as a wallet: it resolves our `openid4vp://` link (fetching and checking the signed Request
  Object, the `decentralized_identifier:` client identifier against our live did:web document),
  then builds and submits the Authorization Response by direct_post. The presentation inside is
  signed by the test wallet of tests/wallet_support.py; our service must record a verified report
  with holder binding. It also refuses what it must: a link whose client_id is not the signed
  one, and a Request Object altered after signing (so the signature check is a real one).

Our app runs on a loopback port for the second; the script sends its requests for the service's
public origin there, and nothing leaves the machine."""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from browser_support import server  # noqa: F401 (a fixture: our app on a loopback port)
from node_support import install, run_script
from issuer.proofs import ld
from test_presentation_clr import _record
from test_presentation_openid4vp import hold_completion, keep_only_an_ec_key
from wallet_support import BASE, OCCUPATION, PROGRAM, create_request, held, view_request, wallet  # noqa: F401

# Pinned: a new release is a deliberate upgrade (node_support names its cache folder by version).
DCQL = ("dcql", "3.0.0")
OPENID4VP = ("@openid4vc/openid4vp", "0.4.6")
DID = "did:web:issuer.example"


@pytest.fixture(scope="module")
def dcql_library():
    return install(DCQL)


@pytest.fixture(scope="module")
def openid4vp_library():
    return install(OPENID4VP)


def dcql_credential(credential: dict) -> dict:
    """A credential as the dcql library takes a W3C one (DcqlW3cVcCredential): its type as the
    fully expanded IRIs (what `type_values` names, OpenID4VP Appendix B.1.1), expanded here by
    JSON-LD with the credential's own contexts, and its JSON as the claims."""
    [expanded] = ld.expand(credential, ld.default_loader())
    return {"credential_format": "ldp_vc", "type": expanded["@type"], "claims": credential,
            "cryptographic_holder_binding": True}


def judge(dcql_library, tmp_path, query: dict, credentials: list[dict]) -> dict:
    out = run_script(dcql_library, "dcql_match.mjs",
                     {"query": query, "credentials": [dcql_credential(c) for c in credentials]},
                     tmp_path / f"{uuid.uuid4().hex}.json")
    assert "error" not in out, out["error"]
    return out


def our_query(services, wallet, ask) -> dict:
    """The dcql_query of a new request's signed Request Object, as a wallet receives it."""
    return wallet.authorization_request(create_request(services, ask).oid4vp_uri)["dcql_query"]


def _answered(result: dict) -> bool:
    """The library's verdict, all three ways: the wallet's match, and the verifier's."""
    verdicts = {result["can_be_satisfied"], result["success"], result["presented"]}
    assert len(verdicts) == 1, result
    return verdicts.pop()


def test_dcql_takes_a_program_credential_for_the_program_ask(dcql_library, services, wallet, held, tmp_path):
    query = our_query(services, wallet, PROGRAM)
    out = judge(dcql_library, tmp_path, query, [held])
    # Parsed and validated: it only adds the defaults the specification gives (section 6.1).
    [parsed] = out["parsed"]["credentials"]
    assert parsed["require_cryptographic_holder_binding"] is True and parsed["multiple"] is False
    assert {k: v for k, v in parsed.items() if k not in ("require_cryptographic_holder_binding", "multiple")
            } == query["credentials"][0]
    [result] = out["results"]
    assert _answered(result), result


def test_dcql_takes_the_completion_and_refuses_a_work_process_for_the_occupation_ask(
        dcql_library, wallet, held, cli, services, tmp_path):
    completion = hold_completion(cli, services, wallet, tmp_path)
    query = our_query(services, wallet, OCCUPATION)
    answers, refuses = judge(dcql_library, tmp_path, query, [completion, held])["results"]
    assert _answered(answers), answers
    # The work-process credential is of the program and aligned to the same O*NET-SOC code, but
    # no completed apprenticeship: the achievementType claim fails, in the library's words.
    assert not _answered(refuses)
    assert "achievementType" in refuses["issues"] and "ApprenticeshipCertificate" in refuses["issues"]


def test_dcql_takes_a_record_holding_a_program_credential_but_not_for_a_completion(
        dcql_library, services, wallet, held, tmp_path):
    """A CLR 2.0 record answers through the claims under credentialSubject.verifiableCredential:
    a partial record (one work process) is of the program, and holds no completion."""
    record = _record(services, wallet.did, held)
    [program] = judge(dcql_library, tmp_path, our_query(services, wallet, PROGRAM), [record])["results"]
    assert _answered(program), program
    [occupation] = judge(dcql_library, tmp_path, our_query(services, wallet, OCCUPATION), [record])["results"]
    assert not _answered(occupation)


def test_dcql_matches_only_the_expanded_types_we_ask_for(dcql_library, services, wallet, held, tmp_path):
    """type_values are IRIs after JSON-LD expansion: a credential whose types expand to other
    IRIs (here its OB context dropped, so OpenBadgeCredential expands to nothing known) fails the
    meta query even with every claim in place."""
    query = our_query(services, wallet, PROGRAM)
    out = run_script(dcql_library, "dcql_match.mjs",
                     {"query": query, "credentials": [{**dcql_credential(held), "type": held["type"]}]},
                     tmp_path / f"{uuid.uuid4().hex}.json")
    [result] = out["results"]
    assert not _answered(result)
    assert "type" in result["issues"]


def _resolve(openid4vp_library, loopback: str, tmp_path, uri: str) -> dict:
    out = run_script(openid4vp_library, "openid4vp_wallet.mjs",
                     {"action": "resolve", "origin": BASE, "loopback": loopback, "uri": uri},
                     tmp_path / f"{uuid.uuid4().hex}.json")
    assert all(line.split(" ", 1)[1].startswith(BASE) for line in out["requested"])
    return out


def _submit(openid4vp_library, loopback: str, tmp_path, request: dict, vp_token: dict) -> dict:
    out = run_script(openid4vp_library, "openid4vp_wallet.mjs",
                     {"action": "submit", "origin": BASE, "loopback": loopback, "request": request,
                      "vp_token": vp_token}, tmp_path / f"{uuid.uuid4().hex}.json")
    assert all(line.split(" ", 1)[1].startswith(BASE) for line in out["requested"])
    return out


def test_the_openid4vp_library_resolves_our_request_and_its_answer_is_verified(
        openid4vp_library, server, services, wallet, held, tmp_path):
    created = create_request(services, PROGRAM)
    resolved = _resolve(openid4vp_library, server, tmp_path, created.oid4vp_uri)
    assert resolved["ok"], resolved
    # By reference, signed by our did:web (checked against the live DID document), spoken as 1.0.
    assert resolved["parsed"]["type"] == "jar" and resolved["jar"] == {"sendBy": "reference", "signer": "did"}
    assert resolved["client"]["prefix"] == "decentralized_identifier"
    assert resolved["client"]["identifier"] == DID and resolved["client"]["didUrl"].startswith(DID + "#")
    assert resolved["signatures"] == [{"didUrl": resolved["client"]["didUrl"], "alg": "EdDSA", "verified": True}]
    assert f"GET {BASE}/.well-known/did.json" in resolved["requested"]
    assert resolved["version"] == 100     # the library's number for 1.0 final
    request = resolved["request"]
    assert (request["client_id"], request["response_type"], request["response_mode"], request["response_uri"]) == (
        "decentralized_identifier:" + DID, "vp_token", "direct_post", BASE + "/openid4vp/response")
    assert resolved["dcql"] == request["dcql_query"] and request["nonce"] and request["state"]

    # The presentation for the library's request (its nonce as challenge, its client_id as domain).
    vp_token = json.loads(wallet.vp_token(request, [held]))
    submitted = _submit(openid4vp_library, server, tmp_path, request, vp_token)
    assert submitted["ok"], submitted
    assert submitted["response"] == {"vp_token": vp_token, "state": request["state"]}
    assert submitted["status"] == 200, submitted["body"]
    report = view_request(services, created).report
    assert report.verified, report.to_json()
    assert (report.protocol, report.holder) == ("openid4vp", wallet.did)
    assert {c.name: c.outcome for c in report.checks if c.name in ("nonce", "domain", "holder", "subject")} == {
        "nonce": "pass", "domain": "pass", "holder": "pass", "subject": "pass"}
    [credential] = report.credentials
    assert credential.verified and credential.id == held["id"]


def test_the_library_refuses_a_link_whose_client_id_is_not_the_signed_one(
        openid4vp_library, server, services, tmp_path):
    """A link naming another client_id than the Request Object's is refused by the library: our
    signed client_id is what binds the request to our did:web."""
    created = create_request(services, PROGRAM)
    forged = created.oid4vp_uri.replace("issuer.example", "evil.example", 1)
    assert forged != created.oid4vp_uri
    resolved = _resolve(openid4vp_library, server, tmp_path, forged)
    assert not resolved["ok"]
    assert "client_id does not match" in resolved["description"], resolved


def test_the_library_verifies_the_request_of_a_service_with_only_an_ec_key(
        openid4vp_library, server, services, tmp_path):
    keep_only_an_ec_key(services)
    resolved = _resolve(openid4vp_library, server, tmp_path, create_request(services, PROGRAM).oid4vp_uri)
    assert resolved["ok"], resolved
    assert resolved["signatures"] == [{"didUrl": resolved["client"]["didUrl"], "alg": "ES256", "verified": True}]


def test_the_library_refuses_a_request_object_altered_after_signing(
        openid4vp_library, server, client, services, tmp_path):
    """Our Request Object, its nonce changed, passed by value: the signature check (against the
    key our did:web document lists) fails, so the check the script supplies is a real one."""
    link = parse_qs(urlsplit(create_request(services, PROGRAM).oid4vp_uri).query)
    head, body, signature = client.get(link["request_uri"][0][len(BASE):]).get_data(as_text=True).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    altered = base64.urlsafe_b64encode(json.dumps({**claims, "nonce": "chosen"}).encode()).rstrip(b"=").decode()
    resolved = _resolve(openid4vp_library, server, tmp_path, "openid4vp://?" + urlencode(
        {"client_id": link["client_id"][0], "request": f"{head}.{altered}.{signature}"}))
    assert not resolved["ok"]
    kid = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]
    assert resolved["signatures"] == [{"didUrl": kid, "alg": "EdDSA", "verified": False}]
    assert "nonce" not in json.dumps(resolved.get("request", {}))
