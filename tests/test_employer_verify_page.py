"""Issue 15, point 2 on the /verify page as it was: a CLR record or a presentation is shown with
each credential it holds, by name, each with its own checks in words; a tampered one is named as
not authentic, with its failed proof, while the others stay verified."""

from __future__ import annotations

import io
import json

from employer_support import items, text
from test_clr import _tampered, ny  # noqa: F401 (a fixture)
from verify_support import issue_level, issue_one


def _verify(client, document: dict, *, upload: bool = False):
    data = ({"file": (io.BytesIO(json.dumps(document).encode()), "record.json")} if upload
            else {"credential": json.dumps(document)})
    return client.post("/verify", data=data, content_type="multipart/form-data")


def _held(response) -> list[tuple[str, str]]:
    """(data-state, words) of each held credential on the page."""
    return [(attrs["data-state"], words) for attrs, words in items(response.get_data(as_text=True), "held-credential")]


def test_a_record_lists_each_credential_by_name_with_its_checks(ny, client):  # noqa: F811
    _, credentials, record = ny
    response = _verify(client, record, upload=True)
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "Verified: signed by the sponsor" in page and "Every check of the record" in page
    held = _held(response)
    assert len(held) == len(credentials)
    names = [c["credentialSubject"]["achievement"]["name"] for c in record["credentialSubject"]["verifiableCredential"]]
    for position, ((state, words), name) in enumerate(zip(held, names), 1):
        assert state == "valid" and words.startswith(f"Verified {position}. {name}")
        # Each credential's own checks, in words.
        for check in ("Signature (proof)", "issuer", "dates", "Not revoked or suspended (status)",
                      "Framework alignment (framework)"):
            assert f"Passed {check}" in words, (check, words)

    changed, tampered = _tampered(record)
    response = _verify(client, changed)
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "Not valid" in page and tampered in page
    held = _held(response)
    [(state, words)] = [h for h in held if h[0] != "valid"]
    assert state == "invalid" and "3. Not authentic: claims to be" in words and "(with honours)" in words
    assert "Failed Signature (proof)" in words
    assert sum(1 for s, _ in held if s == "valid") == len(credentials) - 1


def test_a_presentation_lists_each_credential(client, services):
    work_process, level = issue_one(client, services), issue_level(client, services)
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [work_process.document, level.document]}
    response = _verify(client, presentation)
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "Verified: the presentation and every credential in it." in page
    # Unsigned: the holder is not taken at its word.
    assert "Presented by not proven: the presentation is not signed by its holder" in page
    assert "Not checked Signature (proof) an unsigned presentation" in page
    held = _held(response)
    assert [state for state, _ in held] == ["valid", "valid"]
    assert held[0][1].startswith("Verified 1. Work process A: Workplace Orientation")
    assert "Awarded to Ana Lopez" in held[0][1] and "Passed Not revoked or suspended (status)" in held[0][1]
    assert held[1][1].startswith("Verified 2. ") and "Bea Park" in held[1][1]

    # A credential that is not what it was: named as not authentic, the presentation not verified.
    level.document["credentialSubject"]["achievement"]["name"] = "MASTER level"
    response = _verify(client, presentation)
    page = text(response.get_data(as_text=True))
    assert "Not valid: credential 2: proof" in page
    assert [state for state, _ in _held(response)] == ["valid", "invalid"]
    assert "2. Not authentic: claims to be “MASTER level”" in _held(response)[1][1]


def test_a_single_credential_lists_nothing_held(client, services):
    response = _verify(client, issue_one(client, services).document)
    assert response.status_code == 200 and _held(response) == []
    assert "Every check" in text(response.get_data(as_text=True))


def test_a_presentation_that_is_not_json_is_read_as_a_credential(client):
    response = client.post("/verify", data={"credential": '{"type": "VerifiablePresentation", '},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "not valid JSON" in text(response.get_data(as_text=True))
