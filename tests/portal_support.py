"""Shared by the portal tests: sponsors with staff made through the package (the CLI's way), a
signed-in browser-like client that carries its CSRF token, and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from issuer.db import session_scope
from issuer.portal.accounts import create_staff
from issuer.portal.signin import set_password_with_link
from issuer.sponsors.services import create_sponsor, find_sponsor

PASSWORD = "a long enough passphrase"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@dataclass
class Tenant:
    name: str
    api: dict
    administrator: str


def make_tenant(services, programs=None) -> Tenant:
    """A sponsor, its API key and a first administrator with a password."""
    with session_scope(services.sessions) as session:
        sponsor, key = create_sponsor(session, f"Sponsor {uuid.uuid4().hex[:8]}", programs)
        name = sponsor.name
    return Tenant(name, {"Authorization": f"Bearer {key}"}, make_staff(services, name, "administrator"))


def make_staff(services, sponsor_name: str, role: str, name: str | None = None, password: str = PASSWORD) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    with session_scope(services.sessions) as session:
        _, token = create_staff(session, find_sponsor(session, sponsor_name), email, name or f"{role.title()} Person",
                                role)
    with session_scope(services.sessions) as session:
        set_password_with_link(session, token, password)
    return email


class Signed:
    """A test client signed in to the console, posting forms with the session's CSRF token."""

    def __init__(self, app, email: str, password: str = PASSWORD):
        self.client = app.test_client()
        page = self.client.get("/portal/login")
        response = self.client.post("/portal/login", data={"csrf_token": csrf_of(page), "email": email,
                                                            "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        self.token = csrf_of(self.client.get("/portal/account"))

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def enrol(signed: Signed, program="ny-csr", **fields) -> str:
    """Enrols through the console form; the apprentice's id from the redirect."""
    data = {"name": "Ana Lopez", "email": f"ana-{uuid.uuid4().hex[:6]}@example.org", "program": program,
            "start_date": "2024-01-02", "cohort": "2024 spring", **fields}
    response = signed.post("/portal/apprentices/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location.split("/portal/apprentices/")[1].split("?")[0]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def links(self, prefix: str) -> list[str]:
        found = []
        for message in self.messages:
            found += re.findall(re.escape(prefix) + r"\S+", message.get_content())
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_server():
    """(inbox, controller, url): start the controller, stop it when done."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    return inbox, controller, f"smtp://127.0.0.1:{port}"
