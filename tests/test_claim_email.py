"""Claim links and transaction codes by email, through a real SMTP server (aiosmtpd) on
127.0.0.1: the message arrives, and the code in it redeems the offer."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(services, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(services.config, "smtp_url", f"smtp://127.0.0.1:{port}")
    monkeypatch.setattr(services.config, "mail_from", "credentials@issuer.example")
    yield inbox
    controller.stop()


def test_claim_link_and_tx_code_arrive_by_email_and_work(client, issued, smtp):
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json={"tx_code": True, "send_email": True},
                           headers=issued.auth)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["emailed_to"] == "ana.lopez@example.org" and made["tx_code_required"]
    assert "tx_code" not in made, "a code sent by email must not also come back with the QR code"

    [(recipients, message)] = smtp.messages
    assert recipients == ["ana.lopez@example.org"]
    assert message["From"] == "credentials@issuer.example"
    assert "Work process A: Workplace Orientation" in message["Subject"]
    text = message.get_content()
    assert made["claim_url"] in text and "Ana Lopez" in text
    tx_code = re.search(r"^\s+(\d{6})\s*$", text, re.M).group(1)

    assert client.get(made["claim_url"][len("https://issuer.example"):]).status_code == 200
    offer_uri = made["credential_offer"]
    code = re.search(r"pre-authorized_code%22%3A%22([^%]+)%22", offer_uri).group(1)
    token = client.post("/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code,
                                                "tx_code": tx_code})
    assert token.status_code == 200, token.get_json()


def test_unreachable_smtp_server_is_a_bad_gateway(client, issued, services, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    monkeypatch.setattr(services.config, "smtp_url", f"smtp://127.0.0.1:{port}")
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json={"send_email": True}, headers=issued.auth)
    assert response.status_code == 502 and "cannot send mail" in response.get_json()["detail"]


def test_cli_claim_prints_the_links_and_the_code(cli, client, issued):
    result = cli("claim", issued.id, "--tx-code")
    assert result.exit_code == 0, result.output
    assert "https://issuer.example/claim/" in result.output
    assert "openid-credential-offer://?credential_offer_uri=" in result.output
    assert re.search(r"transaction code .*: \d{6}$", result.output, re.M)
    missing = cli("claim", "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 1 and "no credential" in missing.output
