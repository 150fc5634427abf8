"""JSON-LD expansion, RDF conversion and RDFC-1.0 for the documents we sign, without pyld's
per-call overheads, producing byte-for-byte what ``pyld.jsonld.normalize`` (URDNA2015) does.

Why by hand: pyld 3.3.0 re-processes the same contexts on every call (a type-scoped context is
applied to a fresh clone of the active context, so its processed-context cache, keyed by that
clone's new ``_uuid``, never hits; embedded and scoped contexts are JCS-canonicalized just to
build a cache key), expands the document a second time inside ``normalize``, and builds the RDF
dataset and the canonical form through dicts and deep copies. For a 5 KB Open Badge that is
~8 ms, which caps signing at ~100 credentials/s.

What is done here, each step checked against pyld by tests/test_ld_equivalence.py:

* `Processor` (to_rdf.Processor, built on expansion.Expansion and contexts.ContextProcessing)
  subclasses pyld's processor. Context processing stays pyld's own code, but its
  results are memoized per loader: by the tuple of URLs for a document's ``@context``, and by
  object identity for scoped contexts (those objects belong to the loader's documents, so the
  same ones recur and an identity key is exact). Term -> IRI expansion is memoized per active
  context, which is immutable once pyld has frozen it.
* `Expansion.expand_fast` (``_expand_fast``, ``_expand_object_fast``, ``_expand_value_fast``)
  mirrors ``JsonLdProcessor.expand`` / ``_expand`` / ``_expand_object`` / ``_expand_value`` for the
  JSON-LD that credentials use (node objects, ``@id``, ``@type``, value objects, ``@set``, type-,
  property- and embedded contexts). Anything else (``@list``, ``@graph``, ``@reverse``, ``@nest``, ``@json``,
  index/language maps, invalid syntax...) raises `Unsupported`, and the whole document goes
  through pyld's own expansion instead, so rare features cost speed, never correctness.
* `Processor.to_rdf_fast` (``_create_node_map_fast``, `object_to_rdf_literal`) mirrors
  ``_create_node_map`` + ``_graph_to_rdf`` + ``_object_to_rdf`` + ``pyld.nquads`` for that subset,
  and `canonical.rdfc_first_degree` is RDFC-1.0 when every blank node has a distinct first-degree
  hash (always so for credentials: each blank node carries distinct data). Otherwise pyld's URDNA2015 runs on
  pyld's own dataset. pyoxigraph's RDFC-1.0 was measured too: from N-Quads it is slower than
  this for such documents, and it escapes control characters differently from pyld, so it is
  not used.

Safe mode lives here as well because it must see what pyld does not report: pyld 3.3.0 resolves
a relative ``@id`` or an undefined ``@type`` against ``http://example.org/base/`` (its default
base when the document has no URL), so a term missing from the contexts would be signed as a
made-up IRI. `ContextProcessing._expand_iri` refuses that before it happens.

Everything relies on pyld 3.3.0 internals (method names and signatures of ``_process_context``,
``_expand_iri``, ``_create_node_map``, ``_graph_to_rdf``; the shape of active contexts and of
term mappings). pyproject pins pyld==3.3.0; with any other version the fast paths switch off and
plain pyld code runs (still with the memoized contexts and the safe-mode checks).

Modules: common (pyld's own names, Unsupported), caches (per-loader caches), contexts (context
processing and IRI expansion), expansion, to_rdf (node map and N-Quads; `Processor`), canonical
(RDFC-1.0). `expand` and `canonize` below are what issuer.proofs.ld calls.

Checking against plain pyld after a pyld upgrade:

1. Pin the new version in pyproject.toml and install it. FAST_PATHS is now False (the version
   differs from SUPPORTED_PYLD), so only pyld's own code runs, still memoized and in safe mode.
2. Read what changed in pyld's ``JsonLdProcessor._expand``, ``_expand_object``, ``_expand_value``,
   ``_expand_iri``, ``_process_context``, ``get_context_value``, ``_create_node_map``,
   ``_graph_to_rdf``, ``_object_to_rdf``, ``pyld.nquads.escape`` and ``pyld.canon.URDNA2015``, and
   carry it into the function here that names it.
3. Set SUPPORTED_PYLD to the new version and run ``pytest tests/test_ld_equivalence.py``: it
   canonicalizes every credential shape, the W3C vectors and generated documents with this module
   and with plain ``pyld.jsonld.normalize`` and ``jsonld.expand`` and requires byte-for-byte equal
   output (and the same errors, fast path and fallback alike); tests/test_vectors.py checks the
   signatures of published vectors. Then ``benchmarks/sign_verify.py`` (it prints plain pyld's
   figure beside this module's) to see the speed is kept.
"""

from __future__ import annotations

from typing import Callable

from pyld.__about__ import __version__ as PYLD_VERSION

from issuer.errors import SafeModeError
from issuer.proofs.jsonld_fast.caches import BoundedDict, state_for, states
from issuer.proofs.jsonld_fast.canonical import BoundedURDNA2015, rdfc_first_degree
from issuer.proofs.jsonld_fast.common import Unsupported
from issuer.proofs.jsonld_fast.to_rdf import Processor

# The version whose internals the fast paths mirror; see above.
SUPPORTED_PYLD = "3.3.0"
FAST_PATHS = PYLD_VERSION == SUPPORTED_PYLD


def _expanded_fast(processor: Processor, document) -> list | None:
    """The fast path's expansion, or None when pyld's own code must do it (or word the error)."""
    if not FAST_PATHS:
        return None
    try:
        return processor.expand_fast(document)
    except SafeModeError:
        raise
    except Exception:  # Unsupported, or an error pyld must word: let pyld do it all
        return None


def expand(document, loader: Callable, safe: bool = True) -> list:
    """What JsonLdProcessor.expand returns for `document`, by the fast path when it can."""
    processor = Processor(loader, safe)
    expanded = _expanded_fast(processor, document)
    return expanded if expanded is not None else processor.expand(document, processor.options)


def canonize(document, loader: Callable, safe: bool = True) -> str:
    """pyld.jsonld.normalize(document, URDNA2015, N-Quads), byte for byte, plus safe mode."""
    processor = Processor(loader, safe)
    expanded = _expanded_fast(processor, document)
    if expanded is not None:
        try:
            result = rdfc_first_degree(processor.to_rdf_fast(expanded))
        except Unsupported:
            result = None
        if result is not None:
            return result
    else:
        expanded = processor.expand(document, processor.options)
    return BoundedURDNA2015().main(processor.to_rdf_pyld(expanded), {"format": "application/n-quads"})


__all__ = ["expand", "canonize", "Processor", "Unsupported", "BoundedDict", "BoundedURDNA2015", "FAST_PATHS",
           "SUPPORTED_PYLD", "rdfc_first_degree", "state_for", "states"]
