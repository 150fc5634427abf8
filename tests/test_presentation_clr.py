"""A CLR 2.0 record presented to a verifier that asks: holder binding covers the record's subject
and every credential in it, and the record answers an ask when a credential in it does."""

from __future__ import annotations


from issuer.credentials import clr
from issuer.credentials.openbadge import Achievement, Alignment, IssuerProfile, Recipient
from issuer.presentation import service

from verify_support import sign
from wallet_support import OCCUPATION, PROGRAM, Wallet, create_request, view_request, wallet  # noqa: F401

ONET = Alignment(target_name="Customer Service Representatives", target_code="43-4051.00", target_framework="O*NET-SOC",
                 target_type="ext:ONetSOC", target_url="https://www.onetonline.org/link/summary/43-4051.00")


def _record(services, holder: str, held: dict, inside: dict | None = None) -> dict:
    """The sponsor's record for `holder` of `held`; `inside`, when given, is put in its place
    before signing (a record that holds someone else's credential, yet is signed)."""
    issuer = held["issuer"]
    achievement = held["credentialSubject"]["achievement"]
    occupation = Achievement(id=achievement["id"].rsplit("/", 1)[0] + "/occupation", name="Customer Service",
                             description="The occupation", criteria="Complete the program",
                             achievement_type="ApprenticeshipCertificate", alignments=(ONET,))
    unsigned = clr.build_clr(issuer=IssuerProfile(issuer["id"], issuer["name"]),
                             recipient=Recipient(id=holder, email="ana.lopez@example.org", name="Ana Lopez"),
                             program=clr.ProgramIdentity("Customer Service Representative", "1", "43-4051.00"),
                             earned=[clr.EarnedCredential(held, clr.WORK_PROCESS)], occupation=occupation,
                             valid_from="2026-01-05T00:00:00Z", partial=True)
    if inside is not None:
        unsigned["credentialSubject"]["verifiableCredential"] = [inside]
    return sign(services, unsigned, loader=services.loader)


def _ask(services, wallet, record) -> service.PresentationReport:
    created = create_request(services, PROGRAM)
    _, response = wallet.answer_openid4vp(created.oid4vp_uri, [record])
    assert response.status_code == 200, response.get_json()
    return view_request(services, created).report


def test_a_record_of_the_holder_is_verified_with_each_credential_in_it(services, wallet, issued):
    held = wallet.receive(issued)
    report = _ask(services, wallet, _record(services, wallet.did, held))
    assert report.verified, [c for c in report.checks if c.outcome != "pass"]
    [record] = report.credentials
    assert [c.id for c in record.credentials] == [held["id"]] and record.credentials[0].verified


def test_a_record_holding_another_holders_credential_fails_the_subject_check(client, services, wallet, issued):
    held = wallet.receive(issued)
    theirs = Wallet(client).receive(issued)
    report = _ask(services, wallet, _record(services, wallet.did, held, inside=theirs))
    check = report.check("subject")
    assert check.outcome == "fail" and theirs["credentialSubject"]["id"] in check.message


def test_a_record_without_the_completion_does_not_answer_for_a_completed_apprenticeship(services, wallet, issued):
    """A partial record lists the occupation (its parts belong to it) and its parts align to the
    occupation's code, yet it holds no completion credential."""
    held = wallet.receive(issued)
    created = create_request(services, OCCUPATION)
    claims, _ = wallet.answer_openid4vp(created.oid4vp_uri, [_record(services, wallet.did, held)])
    [query] = claims["dcql_query"]["credentials"]
    assert ["record_completion", "record_onet_soc"] in query["claim_sets"]
    report = view_request(services, created).report
    assert [c.name for c in report.failed] == ["asked"]
