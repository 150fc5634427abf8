"""Reading a JSON request body without trusting it: size (MAX_CONTENT_LENGTH answers 413 before
this runs), syntax, nesting depth and top-level shape each get a 400 problem, never a 500
(Werkzeug's own parser lets a RecursionError through)."""

from __future__ import annotations

import json

from flask import abort, request

from issuer.api.problems import problem
from issuer.verify.budget import MAX_DEPTH, MAX_JSON_DEPTH, depth_exceeds


def json_object() -> dict:
    data = request.get_data(cache=True)
    try:
        body = json.loads(data or b"null")
    except (ValueError, RecursionError) as exc:
        abort(problem(400, "Bad Request", f"the body is not valid JSON: {str(exc)[:200]}"))
    if not isinstance(body, dict):
        abort(problem(400, "Bad Request", "the body must be a JSON object"))
    if depth_exceeds(body, MAX_JSON_DEPTH):
        abort(problem(400, "Bad Request", f"the JSON is nested more than {MAX_DEPTH} levels deep"))
    return body
