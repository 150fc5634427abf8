"""RDFC-1.0 (URDNA2015) of the quads: the first-degree case by hand, pyld's own URDNA2015 with a
work budget otherwise."""

from __future__ import annotations

import hashlib

from pyld.canon import URDNA2015

from issuer.errors import JsonLdError


def rdfc_first_degree(quads: list) -> str | None:
    """RDFC-1.0 when every blank node's first-degree hash is unique, else None.

    Then the spec's step 5 issues every canonical label in hash order and step 6 (the
    n-degree hashing) has nothing left to do; this is pyld's URDNA2015 for that case, with its
    quirks kept: a quad naming a blank node twice is hashed twice, duplicates are kept.
    """
    mentions: dict = {}
    for quad in quads:
        if quad[1]:
            mentions.setdefault(quad[0], []).append(quad)
        if quad[4]:
            mentions.setdefault(quad[3], []).append(quad)
    if not mentions:
        lines = [s + " " + p + " " + o + " .\n" for s, _, p, o, _ in quads]
        lines.sort()
        return "".join(lines)
    by_hash: dict = {}
    for node, node_quads in mentions.items():
        lines = []
        for subject, subject_is_bnode, prop, obj, object_is_bnode in node_quads:
            if subject_is_bnode:
                subject = "_:a" if subject == node else "_:z"
            if object_is_bnode:
                obj = "_:a" if obj == node else "_:z"
            lines.append(subject + " " + prop + " " + obj + " .\n")
        lines.sort()
        digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        if digest in by_hash:
            return None
        by_hash[digest] = node
    labels = {by_hash[digest]: f"_:c14n{i}" for i, digest in enumerate(sorted(by_hash))}
    lines = [
        (labels[s] if sb else s) + " " + p + " " + (labels[o] if ob else o) + " .\n"
        for s, sb, p, o, ob in quads
    ]
    lines.sort()
    return "".join(lines)


class BoundedURDNA2015(URDNA2015):
    """URDNA2015 with a work budget. RDFC-1.0 (section 4.4, "poison graphs") warns that a
    crafted dataset of blank nodes only their neighbours tell apart makes the n-degree hashing
    take factorial time; verify canonicalizes whatever it is sent, so it must stop. Credentials
    never come near the budget (their blank nodes differ in their own data)."""

    MAX_N_DEGREE_CALLS = 2000

    def __init__(self):
        super().__init__()
        self._calls = 0

    def hash_n_degree_quads(self, id_, issuer):
        self._calls += 1
        if self._calls > self.MAX_N_DEGREE_CALLS:
            raise JsonLdError("too many blank nodes that only their neighbours tell apart: canonicalization "
                              "refused (an RDFC-1.0 poison graph)")
        return super().hash_n_degree_quads(id_, issuer)
