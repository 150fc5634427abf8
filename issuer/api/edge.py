"""The edge: every request is checked before its handler runs, and so before any database call.

In order: the path's ids (no control characters, at most MAX_PATH_ID characters, integers
that fit the database), the Authorization header, the query string and form fields (no NUL,
then the endpoint's declared model, issuer.api.models), and a JSON body: its nesting depth
counted on the raw bytes before it is parsed (Python's json module recurses, so a body 3,000
levels deep would otherwise raise RecursionError), then parsed, then no NUL anywhere, then the
endpoint's model.

A refusal speaks the language of its door: problem+json with a `field` member for programs,
OpenID4VCI's OAuth-style `{"error": ...}` on the token, credential, nonce and notification
endpoints (wallets read nothing else there), and the console's HTML error page in /portal and /me.
Checks are the same whatever the database, so SQLite and PostgreSQL answer alike.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, jsonify, request
from pydantic import BaseModel, ValidationError

from issuer.api.models import ROUTES
from issuer.api.models.fields import CONTROL, DB_INT_MAX
from issuer.api.problems import problem
from issuer.verify.budget import MAX_JSON_DEPTH, json_depth

bp = Blueprint("edge", __name__)

MAX_PATH_ID = 500             # the longest id we store (a VC-API credential id)
HTML_DOORS = ("portal", "me")
OAUTH_ERRORS = {"wallet.token": "invalid_request", "wallet.nonce": "invalid_request",
                "wallet.credential": "invalid_credential_request",
                "wallet.notification": "invalid_notification_request",
                # OpenID4VP's response endpoint (issuer.presentation.openid4vp).
                "presentation.direct_post": "invalid_request"}
# Uploads read as a stream (and allowed past the general body limit) by their own handlers.
STREAMED = ("batches.submit", "portal.batches")
# Fields only the verifier reads (never the database), which reports any text as a result.
VERIFIER_ONLY = ("verify_page.verify_submit",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TYPE_ERRORS = {"dict_type", "model_type", "model_attributes_type", "string_type", "int_type", "int_parsing",
               "list_type", "bool_type", "bool_parsing", "float_type", "is_instance_of", "missing"}


class Refusal(Exception):
    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def _is_json(mimetype: str) -> bool:
    return mimetype in ("application/json", "application/ld+json") or mimetype.endswith("+json")


@bp.before_app_request
def check_request():
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    try:
        _check_path()
        _check_authorization()
        route = ROUTES.get(endpoint)
        _check_fields("query", request.args, route.query if route else None)
        if request.method in ("POST", "PUT", "PATCH") and endpoint not in STREAMED + VERIFIER_ONLY:
            if request.mimetype in FORM_TYPES:
                _check_fields("form", request.form, route.form if route else None)
            elif _is_json(request.mimetype):
                _check_json(route.body if route else None)
    except Refusal as refusal:
        if request.blueprint in HTML_DOORS:
            # The console's own error page renders it (issuer.api.portal_web.error_page).
            abort(refusal.status, f"{refusal.field}: {refusal.message}")
        abort(_refusal_response(refusal))
    return None


def _refusal_response(refusal: Refusal):
    detail = f"{refusal.field}: {refusal.message}" if refusal.field else refusal.message
    if request.endpoint in OAUTH_ERRORS:
        code = "invalid_token" if refusal.status == 401 else OAUTH_ERRORS[request.endpoint]
        response = jsonify({"error": code, "error_description": detail})
        response.status_code = refusal.status if refusal.status in (400, 401) else 400
        response.headers["Cache-Control"] = "no-store"
        return response
    titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
    return problem(refusal.status, titles.get(refusal.status, "Bad Request"), detail, field=refusal.field)


def _check_path() -> None:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 0 <= value <= DB_INT_MAX:
            raise Refusal(404, name, "no such id: it is out of range")
        if isinstance(value, str):
            if len(value) > MAX_PATH_ID:
                raise Refusal(404, name, f"no such id: it is longer than {MAX_PATH_ID} characters")
            if any(c in CONTROL or c in "\r\n\t" for c in value):
                raise Refusal(404, name, "no such id: it contains control characters")


def _check_authorization() -> None:
    value = request.headers.get("Authorization")
    if value is not None and (len(value) > 4096 or any(c in CONTROL for c in value)):
        raise Refusal(401, "Authorization", "the credentials are malformed")


def _check_fields(where: str, values, model: type[BaseModel] | None) -> None:
    data: dict[str, Any] = {}
    for name, items in values.lists():
        for item in items:
            if "\x00" in name or "\x00" in item:
                raise Refusal(400, name.replace("\x00", "\\0"), "must not contain NUL characters")
        data[name] = items if model is not None and _is_list(model, name) else items[-1]
    if model is not None:
        _validate(model, data)


def _is_list(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    return field is not None and getattr(field.annotation, "__origin__", None) is list


def _check_json(model: type[BaseModel] | None) -> None:
    data = request.get_data(cache=True)
    if not data.strip():
        return
    if json_depth(data) > MAX_JSON_DEPTH:
        raise Refusal(400, "body", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise Refusal(400, "body", f"not valid JSON: {str(exc)[:200]}") from None
    path = _nul_path(body)
    if path is not None:
        raise Refusal(400, path or "body", "must not contain NUL characters")
    if model is None:
        return
    if not isinstance(body, dict):
        raise Refusal(400, "body", "must be a JSON object")
    _validate(model, body)


def _nul_path(value: Any) -> str | None:
    """The dotted path of the first key or string holding a NUL character (iterative: depth is
    bounded already, but a wide document must not cost recursion either)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return child_path.replace("\x00", "\\0")
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def _validate(model: type[BaseModel], data: dict) -> None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = _field(errors[0]["loc"], data)
        same = [e for e in errors if _field(e["loc"], data) == first]
        # For a member that may take several types, the constraint that failed says more than
        # the list of types it is not.
        chosen = next((e for e in same if e["type"] not in TYPE_ERRORS), None)
        message = chosen["msg"] if chosen else "; ".join(dict.fromkeys(e["msg"] for e in same))
        raise Refusal(400, first, message) from None


def _field(loc: tuple, data: Any) -> str:
    """The field's dotted path: the error's location as far as it names members of the input
    (pydantic adds the names of union members, which are not fields)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        elif parts:
            break
        parts.append(f"[{part}]" if isinstance(part, int) else str(part))
    return ".".join(parts).replace(".[", "[")
