"""What a request handler is given: the process's Services (issuer.composition), built once by
issuer.app.create_app and kept on the application, so handlers take it from here rather than
from a global."""

from __future__ import annotations

from flask import current_app

from issuer.composition import Services


def services() -> Services:
    return current_app.extensions["ler"]
