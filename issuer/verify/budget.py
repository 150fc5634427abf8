"""What a document may cost before the expensive work starts.

Verifying a Data Integrity proof canonicalizes the document (RDFC-1.0), whose cost grows with
its blank nodes and, for blank nodes told apart only by their neighbours, grows factorially
(RDFC-1.0 section 4.4, "poison graphs"); JSON-LD expansion grows with inline contexts, which
are processed afresh on every call while known context URLs are processed once per loader.
No credential we or a legitimate issuer make needs any of what is refused here, so it is
refused by counting, before any JSON-LD processing, and the public verifier's cost per request
stays bounded (benchmarks/verify_worst.py measures it):

* nesting deeper than MAX_DEPTH (counted on the raw text too, before Python's recursive json
  parser sees it: `json_depth`);
* `@context` objects: only context URLs, which we hold and hash-check, are accepted, and at the
  top, beside them, one object that is nothing but `{"@vocab": IRI}` (`_vocab_only`);
* explicit blank node identifiers (`_:b0`): the only way to write the cycles and cliques that
  make canonicalization factorial;
* more than MAX_NODES JSON objects in a document, a presentation's credentials included (each
  may become a blank node, and cost is linear in them at best);
* arrays longer than MAX_ARRAY (cost quadratic in their length);
* more than MAX_TWINS blank nodes that look alike to RDFC-1.0's first step (the same members,
  the same kind of parent under the same name; `_twin_key`): only their neighbours could tell
  them apart, which is the factorial case, so legitimate credentials, whose blank nodes differ
  in their own data, never have them;
* more than MAX_PRESENTED credentials in a presentation.

A CLR 2.0 record (`ClrCredential`) holds whole credentials, each verified in full beside the
record's own proof, so its cost grows with what it holds; it is bounded per credential held
(`_record_refusal`): at most MAX_CLR_CREDENTIALS of them, each within the budget of a
credential on its own, none a record itself, and the record as a whole within
CLR_NODES_PER_CREDENTIAL objects per credential held (ours spend under 50: the credential, its
achievement again in the record's list, its association). A presentation's records are each
held to that, and together to MAX_CLR_CREDENTIALS credentials.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import accumulate
from typing import Any

from issuer.credentials.clr import MAX_CREDENTIALS as MAX_CLR_CREDENTIALS

# Credentials nest a handful of levels; anything deeper is an attack on recursive processors.
MAX_DEPTH = 64
# A request wraps the credential in a body (and a presentation) of its own.
MAX_JSON_DEPTH = MAX_DEPTH + 2
# Our largest credentials (a transcript with every achievement) hold a few hundred objects.
MAX_NODES = 800
MAX_PRESENTED = 20
# JSON-LD processing and schema checks compare the items of one array pairwise (pyld's node map
# keeps values unique; uniqueItems): a long array costs its square.
MAX_ARRAY = 100
MAX_TWINS = 4
CLR_NODES_PER_CREDENTIAL = 100
# The record's lists name up to two entries per credential held (its achievement, its associations).
CLR_LISTS = ("verifiableCredential", "achievement", "association")

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(data: bytes | str) -> int:
    """How deep JSON text nests, counted without parsing it (strings removed first, so brackets
    inside them do not count). Linear, and in C but for one dict lookup per bracket."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    skeleton = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", data))
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0)


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON `value` nests deeper than `limit` (level by level, no recursion: safe on any input)."""
    level, depth = [value] if isinstance(value, (dict, list)) else [], 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for item in level:
            for child in (item.values() if isinstance(item, dict) else item):
                if isinstance(child, (dict, list)):
                    deeper.append(child)
        level = deeper
    return False


def check(document: dict, *, presentation: bool = False) -> str | None:
    """Why `document` (parsed JSON) is refused before verification, or None: its depth, then
    `refusal`. Every door that verifies applies it: the verifier, and the wallet exchange's
    DIDAuth check (issuer.delivery.exchanges)."""
    if depth_exceeds(document):
        return f"the JSON is nested more than {MAX_DEPTH} levels deep"
    return refusal(document, presentation=presentation)


def refusal(document: dict, *, presentation: bool = False) -> str | None:
    """Why `document` is refused before verification, or None when it is within budget."""
    if presentation:
        held = document.get("verifiableCredential")
        count = len(held) if isinstance(held, list) else int(held is not None)
        if count > MAX_PRESENTED:
            return f"the presentation holds {count} credentials; at most {MAX_PRESENTED} are verified at once"
        # A record presented is held to the record's budget, and the presentation around it to its own.
        records = [c for c in (held if isinstance(held, list) else [held]) if is_record(c)]
        inside = sum(len(record_credentials(r)) for r in records)
        if inside > MAX_CLR_CREDENTIALS:
            return (f"the presentation's CLRs hold {inside} credentials; at most {MAX_CLR_CREDENTIALS} are verified "
                    "at once")
        for record in records:
            reason = _record_refusal(record)
            if reason:
                return f"a CLR in the presentation: {reason}"
        return _walk(document, checked={id(r) for r in records})
    if is_record(document):
        return _record_refusal(document)
    return _walk(document)


def is_record(document) -> bool:
    """Whether `document` says it is a CLR 2.0 record (a `ClrCredential`)."""
    types = document.get("type") if isinstance(document, dict) else None
    return "ClrCredential" in (types if isinstance(types, list) else [types])


def record_credentials(document: dict) -> list:
    """The credentials a record holds (its subjects' `verifiableCredential`), as given."""
    subjects = document.get("credentialSubject")
    held = []
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if isinstance(subject, dict):
            items = subject.get("verifiableCredential")
            held += items if isinstance(items, list) else [] if items is None else [items]
    return held


def _record_refusal(document: dict) -> str | None:
    held = record_credentials(document)
    if len(held) > MAX_CLR_CREDENTIALS:
        return f"the CLR holds {len(held)} credentials; at most {MAX_CLR_CREDENTIALS} are verified in one record"
    for position, credential in enumerate(held, 1):
        if isinstance(credential, dict):
            reason = "it is a CLR itself: records inside records are not verified" if is_record(credential) \
                else _walk(credential)
            if reason:
                return f"credential {position} of the CLR: {reason}"
    return _walk(document, MAX_NODES + CLR_NODES_PER_CREDENTIAL * len(held), record=True)


def _walk(document: dict, limit: int = MAX_NODES, record: bool = False, checked: set[int] = frozenset()
          ) -> str | None:
    """The checks of the module's docstring over one document: at most `limit` objects, arrays
    of at most MAX_ARRAY items; for a record, its own lists (CLR_LISTS) up to two entries per
    credential it may hold, and twins counted over the whole record. Objects in `checked` (by
    id()) were checked on their own and are passed over."""
    nodes = 0
    twins: Counter = Counter()
    # (parent object, member name, value, the credential it belongs to): twins are counted per
    # credential, so a presentation of different credentials for one achievement is no poison
    # (each is a graph of its own). A record's credentials are in the record's one graph (the CLR
    # context does not make them graphs), so there all are counted together.
    stack: list[Any] = [(None, None, document, "")]
    while stack:
        parent, name, item, scope = stack.pop()
        if isinstance(item, dict):
            if id(item) in checked:
                continue
            if name == "verifiableCredential" and not record:
                scope = _node_id(item) or str(id(item))
            nodes += 1
            if nodes > limit:
                return f"the document has more than {limit} JSON objects, more than any credential needs"
            context = item.get("@context")
            inline = [context] if isinstance(context, dict) else [
                c for c in context if isinstance(c, dict)] if isinstance(context, list) else []
            if inline and not (parent is None or name == "verifiableCredential") or any(
                    not _vocab_only(c) for c in inline):
                return ("@context objects are not accepted: name only context URLs, which this verifier "
                        "holds and hash-checks")
            if _node_id(item) is None and name != "proof":
                key = scope + _twin_key(parent, name, item)
                twins[key] += 1
                if twins[key] > MAX_TWINS:
                    return (f"more than {MAX_TWINS} {name!r} objects are alike but for the objects they hold: "
                            "such blank nodes make canonicalization factorial")
            stack.extend((item, key, value, scope) for key, value in item.items())
        elif isinstance(item, list):
            most = 2 * MAX_CLR_CREDENTIALS + 1 if record and name in CLR_LISTS else MAX_ARRAY
            if len(item) > most:
                return f"an array holds {len(item)} items; at most {most} are accepted"
            stack.extend((parent, name, value, scope) for value in item)
        elif isinstance(item, str) and item.startswith("_:"):
            return f"blank node identifiers such as {item[:40]!r} are not accepted: no credential needs them"
    return None


def _vocab_only(context: dict) -> bool:
    """`{"@vocab": "https://..."}` alone: the W3C VC-DI-ECDSA test vectors (ecdsa-sd-2023) and the
    VCDM 2.0 examples carry it, and processing it costs the same whatever the document, unlike
    term definitions (scoped contexts, nested contexts) whose cost grows with what they define.
    What @vocab makes expensive is the graph it lets through, which the budgets here bound."""
    vocab = context.get("@vocab")
    return (len(context) == 1 and isinstance(vocab, str) and len(vocab) <= 200
            and re.match(r"^https?://[^\s]+$", vocab) is not None)


def _node_id(node: dict) -> str | None:
    value = node.get("id", node.get("@id"))
    return value if isinstance(value, str) else None


def _twin_key(parent: dict | None, name: str | None, node: dict) -> str:
    """What RDFC-1.0's first-degree hash of a blank node sees, approximately: its members, with
    the objects it holds reduced to their ids (or 'a blank node'), and the property and kind of
    parent (named, or blank) it hangs from."""
    def reduced(value):
        if isinstance(value, dict):
            return _node_id(value) or "_:"
        if isinstance(value, list):
            return [reduced(v) for v in value]
        return value
    members = {key: reduced(value) for key, value in node.items()}
    return json.dumps([name, _node_id(parent) if parent is not None else None, members], sort_keys=True,
                      default=str)
