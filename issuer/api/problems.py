"""Errors as RFC 9457 problem details (`application/problem+json`), never an HTML page or a trace."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def no_store(response):
    """For answers to wallets, which carry secrets or single-use results: never cached (RFC 6749 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def oauth_error(body: dict, status: int = 400, headers: dict | None = None):
    """An OAuth error response (RFC 6749 5.2: `error`, `error_description`), never cached."""
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return no_store(response)


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return problem(exc.code or 500, exc.name, exc.description)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")
