"""Fuzzing: hypothesis throws arbitrary JSON, text and bytes (and single mutations of a real
credential) at the verifier, which must always answer with a result; schemathesis drives every
operation of /openapi.json in-process and the service must never answer 5xx nor stray from its
own document."""

from __future__ import annotations

import copy
import json

import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from issuer.credentials.baked import PNG_SIGNATURE
from issuer.verify.resolution import VerifierResolver
from issuer.verify.verifier import verify_credential

from factories import open_badge
from verify_support import new_sponsor

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=40)
credential_like = st.fixed_dictionaries({}, optional={
    "@context": st.one_of(json_values, st.just(["https://www.w3.org/ns/credentials/v2"])),
    "type": st.one_of(json_values, st.just(["VerifiableCredential"])),
    "issuer": st.one_of(json_values, st.just("did:key:z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj")),
    "credentialSubject": json_values, "validFrom": st.one_of(json_values, st.just("2024-01-01T00:00:00Z")),
    "credentialStatus": json_values, "proof": json_values, "credentialSchema": json_values,
})
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _answers(data) -> None:
    result = verify_credential(data, resolver=VerifierResolver())
    assert result.checks and not result.verified
    json.dumps(result.to_json())


@FUZZ
@given(credential_like)
def test_arbitrary_credential_shapes(value):
    _answers(value)


@FUZZ
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300), st.binary(max_size=200).map(lambda b: PNG_SIGNATURE + b),
                 st.text(max_size=200).map(lambda t: "<svg>" + t), st.text(max_size=100).map(lambda t: f"a.{t}.b")))
def test_arbitrary_text_and_bytes(data):
    _answers(data)


SIGNED = None


def _signed():
    global SIGNED
    if SIGNED is None:
        from issuer.proofs import data_integrity
        from issuer.proofs.did import did_key_for, did_key_vm
        from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
        key = Ed25519PrivateKey.generate()
        SIGNED = data_integrity.sign(open_badge(did_key_for(key.public())), key, verification_method=did_key_vm(key.public()))
    return SIGNED


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, path + (i,))


@FUZZ
@given(st.data())
def test_one_mutation_of_a_signed_credential_never_verifies(data):
    credential = copy.deepcopy(_signed())
    paths = [p for p in _paths(credential) if p]
    path = data.draw(st.sampled_from(paths))
    replacement = data.draw(json_values)
    target = credential
    for key in path[:-1]:
        target = target[key]
    if target[path[-1]] == replacement:
        return
    target[path[-1]] = replacement
    result = verify_credential(credential, resolver=VerifierResolver())
    assert not result.verified, "/".join(map(str, path))


def test_schemathesis_against_our_openapi_document(app, services):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    auth = new_sponsor(services).auth
    checks = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
    operations, statuses = 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            case.headers = {**(case.headers or {}), **auth}
            response = case.call()
            statuses.add((operation.path, response.status_code))
            case.validate_response(response, checks=checks)

        run()
    assert operations >= 10
    # The generated requests reach past authentication and input checks, not only the refusals.
    assert {("/credentials/issue", 400), ("/credentials/verify", 400), ("/verify", 200)} <= statuses, sorted(statuses)
