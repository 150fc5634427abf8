"""JSON-LD expansion, RDF conversion and RDFC-1.0 for the documents we sign, without pyld's
per-call overheads, producing byte-for-byte what ``pyld.jsonld.normalize`` (URDNA2015) does.

Why by hand: pyld 3.3.0 re-processes the same contexts on every call (a type-scoped context is
applied to a fresh clone of the active context, so its processed-context cache, keyed by that
clone's new ``_uuid``, never hits; embedded and scoped contexts are JCS-canonicalized just to
build a cache key), expands the document a second time inside ``normalize``, and builds the RDF
dataset and the canonical form through dicts and deep copies. For a 5 KB Open Badge that is
~8 ms, which caps signing at ~100 credentials/s.

What is done here, each step checked against pyld by tests/test_ld_equivalence.py:

* `_Processor` subclasses pyld's processor. Context processing stays pyld's own code, but its
  results are memoized per loader: by the tuple of URLs for a document's ``@context``, and by
  object identity for scoped contexts (those objects belong to the loader's documents, so the
  same ones recur and an identity key is exact). Term -> IRI expansion is memoized per active
  context, which is immutable once pyld has frozen it.
* `_Processor.expand_fast` mirrors ``JsonLdProcessor._expand`` for the JSON-LD that credentials
  use (node objects, ``@id``, ``@type``, value objects, ``@set``, type-, property- and
  embedded contexts). Anything else (``@list``, ``@graph``, ``@reverse``, ``@nest``, ``@json``,
  index/language maps, invalid syntax...) raises `_Unsupported`, and the whole document goes
  through pyld's own expansion instead, so rare features cost speed, never correctness.
* `_Processor.quads_fast` mirrors ``_create_node_map`` + ``_graph_to_rdf`` for that subset and
  `_canonize_simple` is RDFC-1.0 when every blank node has a distinct first-degree hash (always
  so for credentials: each blank node carries distinct data). Otherwise pyld's URDNA2015 runs on
  pyld's own dataset. pyoxigraph's RDFC-1.0 was measured too: from N-Quads it is slower than
  this for such documents, and it escapes control characters differently from pyld, so it is
  not used.

Safe mode lives here as well because it must see what pyld does not report: pyld 3.3.0 resolves
a relative ``@id`` or an undefined ``@type`` against ``http://example.org/base/`` (its default
base when the document has no URL), so a term missing from the contexts would be signed as a
made-up IRI. `_Processor._expand_iri` refuses that before it happens.

Everything relies on pyld 3.3.0 internals (method names and signatures of ``_process_context``,
``_expand_iri``, ``_create_node_map``, ``_graph_to_rdf``; the shape of active contexts and of
term mappings). pyproject pins pyld==3.3.0; with any other version the fast paths switch off and
plain pyld code runs (still with the memoized contexts and the safe-mode checks).
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from typing import Any, Callable

from pyld import jsonld
from pyld.__about__ import __version__ as PYLD_VERSION
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import escape as _escape

from issuer.errors import JsonLdError, SafeModeError

# The version whose internals the fast paths mirror; see the module docstring.
SUPPORTED_PYLD = "3.3.0"
FAST_PATHS = PYLD_VERSION == SUPPORTED_PYLD

_KEYWORDS = frozenset(jsonld.KEYWORDS)
_get_context_value = jsonld.JsonLdProcessor.get_context_value
_compare_values = jsonld.JsonLdProcessor.compare_values
# The very pattern pyld's _is_absolute_iri matches with (re.match, so `$` also accepts a trailing
# newline); a different notion of "absolute" would keep or drop different triples.
_is_absolute = re.compile(r'^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$').match
_is_double = jsonld._is_double
_is_integer = jsonld._is_integer
_canonicalize_double = jsonld._canonicalize_double

RDF_TYPE = jsonld.RDF_TYPE
RDF_LANGSTRING = jsonld.RDF_LANGSTRING
XSD_STRING = jsonld.XSD_STRING
XSD_BOOLEAN = jsonld.XSD_BOOLEAN
XSD_DOUBLE = jsonld.XSD_DOUBLE
XSD_INTEGER = jsonld.XSD_INTEGER

_SCALARS = (str, int, float, bool)


class _Unsupported(Exception):
    """The document uses JSON-LD outside the fast path's subset; pyld's own code takes over."""


class _BoundedDict(dict):
    """A cache that empties itself when full.

    Plain dict operations are atomic under CPython's GIL, so concurrent readers at worst miss
    and recompute; an LRU (cachetools) is not safe to share between threads without a lock.
    The working set is the finite set of contexts and terms, so a clear is rare and cheap.
    """

    __slots__ = ("limit",)

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


class _LoaderState:
    """Caches that are only valid for the documents of one loader.

    pyld's own resolved-context cache is module-global and keyed by URL alone: a context that
    one loader served would then be used for a document processed with another loader that
    does not serve it, skipping that loader's refusal. Keeping every cache per loader avoids it.
    """

    def __init__(self):
        # Serializes everything that reaches pyld's context processing, whose caches
        # (cachetools LRUs inside ResolvedContext) are not thread-safe. Hits never take it.
        self.lock = threading.RLock()
        self.resolved = _BoundedDict(512)  # pyld ContextResolver shared cache: key -> {tag: ResolvedContext}
        self.contexts = _BoundedDict(2048)  # processed-context memo (see _Processor._process_context/_scoped)
        self.terms = _BoundedDict(32768)  # (id(active ctx), term) -> (ctx, _Processor._term info)


_states: "weakref.WeakKeyDictionary[Any, _LoaderState]" = weakref.WeakKeyDictionary()
_states_lock = threading.Lock()


def _state_for(loader: Callable) -> _LoaderState:
    try:
        state = _states.get(loader)
    except TypeError:  # not weak-referenceable or unhashable: no caching across calls
        return _LoaderState()
    if state is None:
        with _states_lock:
            state = _states.get(loader)
            if state is None:
                state = _LoaderState()
                try:
                    _states[loader] = state
                except TypeError:
                    pass
    return state


def _raise_dropped(expanded_property: Any) -> None:
    raise SafeModeError(f"undefined term {expanded_property!r}: no context defines it")


class _Processor(jsonld.JsonLdProcessor):
    """One call's processor over a loader's caches; not shared between threads."""

    def __init__(self, loader: Callable, safe: bool):
        super().__init__(on_property_dropped=_raise_dropped if safe else jsonld.noop)
        self._state = _state_for(loader)
        self._safe = safe
        self._depth = 0  # > 0 while pyld processes a context: no memo, no safe-mode IRI check
        # The options JsonLdProcessor.normalize ends up passing to expand and to_rdf for a
        # document given as an object (no URL, so base '').
        self.options = {
            "base": "",
            "documentLoader": loader,
            "contextResolver": ContextResolver(self._state.resolved, loader),
            "isFrame": False,
            "keepFreeFloatingNodes": False,
            "extractAllScripts": True,
            "processingMode": "json-ld-1.1",
            "produceGeneralizedRdf": False,
        }

    # -- context processing, memoized ------------------------------------------------------

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False,
                         propagate=True, validate_scoped=True, cycles=None):
        if self._depth or cycles is not None:
            return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                            propagate, validate_scoped, cycles)
        # Only URL contexts are memoized here: an object is either the loader's (reached through
        # _scoped, memoized there) or the caller's, which may be mutated between calls, so pyld
        # keys it by content as it always does.
        if isinstance(local_ctx, str):
            key = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            key = tuple(local_ctx)
        else:
            return self._process_locked(active_ctx, local_ctx, options, override_protected, propagate,
                                        validate_scoped)
        key = ("url", id(active_ctx), key, override_protected, propagate, validate_scoped,
               options.get("base", ""))
        hit = self._state.contexts.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = self._process_locked(active_ctx, local_ctx, options, override_protected, propagate,
                                      validate_scoped)
        # Holding active_ctx keeps its id from being reused by another object.
        self._state.contexts[key] = (active_ctx, result)
        return result

    def _process_locked(self, active_ctx, local_ctx, options, override_protected, propagate, validate_scoped):
        with self._state.lock:
            self._depth += 1
            try:
                return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                                propagate, validate_scoped)
            finally:
                self._depth -= 1

    def _scoped(self, active_ctx, local_ctx, override_protected, propagate):
        """A scoped context taken from a term definition, applied to `active_ctx`.

        Both objects belong to the loader's cached documents and processed contexts, which are
        never mutated once built, so identity is an exact key; the entry holds both so that
        their ids cannot be reused while it exists.
        """
        key = ("scoped", id(active_ctx), id(local_ctx), override_protected, propagate)
        hit = self._state.contexts.get(key)
        if hit is not None and hit[0] is active_ctx and hit[1] is local_ctx:
            return hit[2]
        result = self._process_locked(active_ctx, local_ctx, self.options, override_protected, propagate, True)
        self._state.contexts[key] = (active_ctx, local_ctx, result)
        return result

    # -- IRI expansion, memoized, with the safe-mode check --------------------------------

    def _term(self, ctx, key: str) -> tuple:
        """What pyld would look up about `key` in the active context `ctx`, computed once.

        (IRI by _expand_iri(vocab=True), scoped context, '@list' container?, containers other
        than '@set'?, '@type', '@language', '@direction' per get_context_value, is the IRI
        absolute?, is the term a reverse property?) Active contexts are frozen by pyld once
        processed, so this is a pure function of (ctx, key).
        """
        memo_key = (id(ctx), key)
        hit = self._state.terms.get(memo_key)
        if hit is not None and hit[0] is ctx:
            return hit[1]
        container = _get_context_value(ctx, key, "@container")
        containers = container if isinstance(container, list) else [container]
        iri = super()._expand_iri(ctx, key, vocab=True)
        mapping = ctx["mappings"].get(key)
        info = (
            iri,
            _get_context_value(ctx, key, "@context"),
            "@list" in containers,
            container is not None and any(c != "@set" for c in containers),
            _get_context_value(ctx, key, "@type"),
            _get_context_value(ctx, key, "@language"),
            _get_context_value(ctx, key, "@direction"),
            isinstance(iri, str) and bool(_is_absolute(iri)),
            bool(mapping and mapping["reverse"]),
        )
        self._state.terms[memo_key] = (ctx, info)
        return info

    def _vocab(self, ctx, value):
        """pyld's _expand_iri(ctx, value, vocab=True) for an active context no longer changing."""
        if type(value) is not str:
            return super()._expand_iri(ctx, value, vocab=True)
        hit = self._state.terms.get((id(ctx), value))  # _term's memo, inlined: the hottest lookup
        if hit is not None and hit[0] is ctx:
            return hit[1][0]
        return self._term(ctx, value)[0]

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        if self._depth or local_ctx is not None or type(value) is not str:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        result = self._vocab(active_ctx, value) if vocab else super()._expand_iri(active_ctx, value)
        # Without a base pyld returns a relative reference unchanged; with one it resolves it at
        # the very end, after every term, prefix and @vocab rule has failed. So a result that is
        # still relative here is exactly a value no context defines.
        if base is None or result is None or result in _KEYWORDS or _is_absolute(result):
            return result
        resolved = super()._expand_iri(active_ctx, value, base, vocab)
        if self._safe and (active_ctx.get("@base") is None or not _is_absolute(resolved)):
            if vocab:
                raise SafeModeError(f"undefined type {value!r}: no context defines it")
            raise SafeModeError(f"relative IRI {value!r} used as an identifier; an absolute URL is required")
        return resolved

    # -- expansion -------------------------------------------------------------------------

    def expand_document(self, document) -> list:
        """What JsonLdProcessor.expand returns for `document`, by the fast path when it can."""
        if FAST_PATHS:
            try:
                return self.expand_fast(document)
            except SafeModeError:
                raise
            except Exception:  # _Unsupported, or an error pyld must word: let pyld do it all
                pass
        return self.expand(document, self.options)

    def expand_fast(self, document) -> list:
        # JsonLdProcessor.expand deep-copies its input; nothing here mutates or keeps it.
        active_ctx = self._get_initial_context(self.options)
        expanded = self._x(active_ctx, None, document, None)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        elif expanded is None:
            expanded = []
        return expanded if isinstance(expanded, list) else [expanded]

    def _x(self, ctx, prop, element, type_scoped_ctx):
        """JsonLdProcessor._expand with inside_list and inside_index False (the subset's case)."""
        if element is None:
            return None
        if isinstance(element, list):
            if prop is not None and self._term(ctx, prop)[2]:
                raise _Unsupported  # @list container
            out = []
            for item in element:
                item = self._x(ctx, prop, item, type_scoped_ctx)
                if item is not None:
                    if isinstance(item, list):
                        out.extend(item)
                    else:
                        out.append(item)
            return out
        if type(element) is not dict:
            if type(element) not in _SCALARS:
                raise _Unsupported
            if prop is None:
                return None  # free-floating scalar
            return self._value(ctx, prop, element)

        if prop is not None:
            term = self._term(ctx, prop)
            expanded_prop, property_scoped_ctx = term[0], term[1]
        else:
            expanded_prop = property_scoped_ctx = None

        # A type-scoped context does not propagate into node objects (it does into values and
        # subject references), so revert to the context from before it.
        if not type_scoped_ctx and ctx.get("previousContext"):
            type_scoped_ctx = ctx
        must_revert = True
        if type_scoped_ctx and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded_key = self._vocab(type_scoped_ctx, key)
                if expanded_key == "@value":
                    must_revert = False
                    ctx = type_scoped_ctx
                    break
                if expanded_key == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert and "previousContext" in ctx:
            ctx = ctx["previousContext"]
        if property_scoped_ctx is not None:
            ctx = self._scoped(ctx, property_scoped_ctx, True, True)

        # _prepare_nested_context: the embedded context, then type-scoped contexts in order.
        if "@context" in element:
            local_ctx = element["@context"]
            if isinstance(local_ctx, dict) and len(local_ctx) == 1 and "@context" in local_ctx:
                raise _Unsupported
            ctx = self._process_context(ctx, local_ctx, self.options)
        type_scoped_ctx = ctx
        type_key = None
        keys = sorted(element)
        for key in keys:
            if self._vocab(ctx, key) != "@type":
                continue
            type_key = type_key or key
            value = element[key]
            types = [t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)]
            for type_ in sorted(types):
                scoped = self._term(type_scoped_ctx, type_)[1]
                if scoped is not None and scoped is not False:
                    ctx = self._scoped(ctx, scoped, False, False)

        rval: dict = {}
        self._xo(ctx, expanded_prop, element, keys, rval, type_key, type_scoped_ctx)
        count = len(rval)

        if "@value" in rval:
            if "@type" in rval and ("@language" in rval or "@direction" in rval):
                raise _Unsupported
            if count - 1 - ("@type" in rval) - ("@language" in rval) - ("@direction" in rval) != 0:
                raise _Unsupported
            if "@type" in rval:
                if isinstance(rval["@type"], list) or any(
                    self._vocab(ctx, k) == "@type" and isinstance(v, list) for k, v in element.items()
                ):
                    raise _Unsupported
                types = [rval["@type"]]
            else:
                types = []
            if "@json" in types:
                raise _Unsupported
            if rval["@value"] is None:
                rval = None
            elif "@language" in rval and not isinstance(rval["@value"], str):
                raise _Unsupported
            elif not all(isinstance(t, str) and _is_absolute(t) and not t.startswith("_:") for t in types):
                raise _Unsupported
        elif "@type" in rval:
            if not isinstance(rval["@type"], list):
                rval["@type"] = [rval["@type"]]
        elif count == 1 and "@language" in rval:
            rval = None

        # drop free-floating values, empty objects and subject references at the top
        if rval is not None and (prop is None or expanded_prop == "@graph") and (
            count == 0 or "@value" in rval or (count == 1 and "@id" in rval)
        ):
            rval = None
        return rval

    def _xo(self, ctx, expanded_prop, element, keys, rval, type_key, type_scoped_ctx):
        """JsonLdProcessor._expand_object for the subset; `keys` is sorted(element)."""
        if type_key in element:
            value = element[type_key]
            first = value[0] if value and isinstance(value, list) else value
            if self._vocab(ctx, first) == "@json":
                raise _Unsupported
        for key in keys:
            if key == "@context":
                continue
            value = element[key]
            term = self._term(ctx, key)
            expanded = term[0]
            if expanded is None:
                self.on_property_dropped(expanded)
                continue
            if expanded in _KEYWORDS:
                if expanded_prop == "@reverse":
                    raise _Unsupported
                if expanded in rval and expanded != "@type":
                    raise _Unsupported  # colliding keywords: pyld words the error
                if expanded == "@id":
                    if type(value) is not str:
                        raise _Unsupported
                    rval["@id"] = self._expand_iri(ctx, value, base="")
                elif expanded == "@type":
                    values = value if isinstance(value, list) else [value]
                    if not all(isinstance(v, str) for v in values):
                        raise _Unsupported
                    for v in values:  # add_value(propertyIsArray=False)
                        iri = self._expand_iri(type_scoped_ctx, v, vocab=True, base="")
                        if "@type" in rval:
                            if not isinstance(rval["@type"], list):
                                rval["@type"] = [rval["@type"]]
                            rval["@type"].append(iri)
                        else:
                            rval["@type"] = iri
                elif expanded == "@value":
                    if value is not None and type(value) not in _SCALARS:
                        raise _Unsupported
                    rval["@value"] = value
                elif expanded == "@language":
                    if value is None:
                        continue
                    if type(value) is not str:
                        raise _Unsupported
                    rval["@language"] = value.lower()
                elif expanded == "@direction":
                    if type(value) is not str or value not in ("ltr", "rtl"):
                        raise _Unsupported
                    rval["@direction"] = value
                else:
                    raise _Unsupported
                continue
            if not term[7]:
                self.on_property_dropped(expanded)
                continue
            if term[3] or term[4] == "@json":
                raise _Unsupported  # map containers, @list, @graph; JSON literals
            scoped = term[1]
            if scoped is None:
                # what _x then _expand_value do for a scalar, with the term already looked up
                if type(value) in _SCALARS:
                    expanded_value = self._term_value(ctx, term, value)
                elif value is None:
                    continue
                else:
                    expanded_value = self._x(ctx, key, value, None)
                if term[8]:
                    raise _Unsupported  # reverse property
            else:
                term_ctx = self._scoped(ctx, scoped, True, True)
                expanded_value = self._x(term_ctx, key, value, None)
                mapping = term_ctx["mappings"].get(key)
                if mapping and mapping["reverse"]:
                    raise _Unsupported
            if expanded_value is None:
                continue
            # add_value(propertyIsArray=True), duplicates allowed
            values = rval.get(expanded)
            if values is None:
                values = rval[expanded] = []
            if isinstance(expanded_value, list):
                values.extend(expanded_value)
            else:
                values.append(expanded_value)

    def _value(self, ctx, prop, value):
        """JsonLdProcessor._expand_value for a scalar under a property (None is dropped before)."""
        return self._term_value(ctx, self._term(ctx, prop), value)

    def _term_value(self, ctx, term, value):
        expanded_prop, type_, language, direction = term[0], term[4], term[5], term[6]
        if expanded_prop == "@graph":
            return None  # free-floating scalar
        if expanded_prop in _KEYWORDS:
            raise _Unsupported
        if type(value) is str:
            if type_ == "@id":
                return {"@id": self._expand_iri(ctx, value, base="")}
            if type_ == "@vocab":
                return {"@id": self._expand_iri(ctx, value, vocab=True, base="")}
        if type_ == "@json":
            raise _Unsupported
        if type_ is not None and type_ != "@id" and type_ != "@vocab" and type_ != "@none":
            return {"@type": type_, "@value": value}
        if type(value) is str:
            rval = {}
            if language is not None:
                rval["@language"] = language
            if direction is not None:
                rval["@direction"] = direction
            rval["@value"] = value
            return rval
        return {"@value": value}

    # -- to RDF ----------------------------------------------------------------------------

    def quads_fast(self, expanded: list) -> list:
        """The default graph's quads as (subject, predicate, object) in N-Quads syntax, each
        with whether subject / object are blank nodes; mirrors pyld's to_rdf + serialize_nquad."""
        graph: dict = {}
        issuer = IdentifierIssuer("_:b")
        for element in expanded:
            self._node_map(element, graph, issuer, None, None)
        quads = []
        append = quads.append
        predicates: dict = {}  # IRI -> its N-Quads form, or None when it makes no triple
        for subject, node in graph.items():
            if not _is_absolute(subject):
                continue
            subject_is_bnode = subject.startswith("_:")
            subject_nq = subject if subject_is_bnode else "<" + subject + ">"
            for prop, items in node.items():
                prop_nq = predicates.get(prop, False)
                if prop_nq is False:
                    iri = RDF_TYPE if prop == "@type" else prop
                    # keywords, relative and blank node predicates make no RDF triple
                    ok = prop == "@type" or (prop not in _KEYWORDS and _is_absolute(prop)
                                             and not prop.startswith("_:"))
                    prop_nq = predicates[prop] = "<" + iri + ">" if ok else None
                if prop_nq is None:
                    continue
                for item in items:
                    if type(item) is not str:
                        append((subject_nq, subject_is_bnode, prop_nq, _literal(item), False))
                        continue
                    object_id = item  # a type or a reference
                    if object_id.startswith("_:"):
                        append((subject_nq, subject_is_bnode, prop_nq, object_id, True))
                    elif _is_absolute(object_id):
                        append((subject_nq, subject_is_bnode, prop_nq, "<" + object_id + ">", False))
        return quads

    def _node_map(self, element, graph, issuer, subject_node, prop):
        """JsonLdProcessor._create_node_map for a node object of the subset (one graph, no
        lists or reverses); value objects are added by the caller, as pyld would."""
        if "@value" in element:
            raise _Unsupported  # a top-level value: pyld drops those in expansion already
        if "@type" in element:
            for type_ in element["@type"]:
                if type_.startswith("_:"):
                    issuer.get_id(type_)
        if "@id" in element:
            node_id = element["@id"]
            if str(node_id).startswith("_:"):
                node_id = issuer.get_id(node_id)
        elif "@set" in element or "@list" in element:
            raise _Unsupported
        else:
            node_id = issuer.get_id(None)
        node = graph.get(node_id)
        if node is None:
            node = graph[node_id] = {"@id": node_id}
        if prop and subject_node:
            # a reference; kept as the bare id, which compares (with ==) exactly as pyld's
            # compare_values compares {"@id": ...} references, and never equals a value object
            values = subject_node.get(prop)
            if values is None:
                subject_node[prop] = [node_id]
            elif node_id not in values:
                values.append(node_id)
        for key, objects in sorted(element.items()):
            if key == "@id":
                continue
            if key in _KEYWORDS:
                if key == "@type":
                    types = node.get("@type")
                    if types is None:
                        types = node["@type"] = []
                    for obj in objects:
                        if obj.startswith("_:"):
                            obj = issuer.get_id(obj)
                        if obj not in types:
                            types.append(obj)
                elif key in ("@reverse", "@graph", "@included", "@list", "@set", "@index"):
                    raise _Unsupported
                else:
                    node[key] = objects
                continue
            if key.startswith("_:"):
                key = issuer.get_id(key)
            if len(objects) == 0:
                node.setdefault(key, [])
                continue
            for obj in objects:
                if "@value" in obj:
                    values = node.get(key)
                    if values is None:
                        node[key] = [obj]
                    elif not any(type(v) is dict and _compare_values(obj, v) for v in values):
                        values.append(obj)
                else:
                    self._node_map(obj, graph, issuer, node, key)

    def dataset_pyld(self, expanded: list) -> dict:
        """pyld's to_rdf on an already expanded document (normalize would expand it again)."""
        issuer = IdentifierIssuer("_:b")
        node_map = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        dataset = {}
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default" or jsonld._is_absolute_iri(graph_name):
                dataset[graph_name] = self._graph_to_rdf(graph, issuer, self.options)
        return dataset


def _literal(item: dict) -> str:
    """The N-Quads form of a value object, as pyld's _object_to_rdf then serialize_nquad make it
    (the branches in pyld's order; rdfDirection is not set by normalize)."""
    value = item["@value"]
    datatype = item.get("@type")
    language = None
    if type(value) is str:
        if datatype == XSD_DOUBLE:
            try:
                value = _canonicalize_double(float(value))
            except (ValueError, TypeError):
                pass
        elif "@language" in item:
            datatype, language = datatype or RDF_LANGSTRING, item["@language"]
        else:
            datatype = datatype or XSD_STRING
    elif isinstance(value, bool):
        value, datatype = ("true" if value else "false"), datatype or XSD_BOOLEAN
    elif _is_double(value):
        value, datatype = _canonicalize_double(value), datatype or XSD_DOUBLE
    elif datatype == XSD_DOUBLE:
        try:
            value = _canonicalize_double(float(value))
        except (ValueError, TypeError):
            pass
    elif _is_integer(value) and abs(value) >= 1e21:
        value, datatype = _canonicalize_double(value), datatype or XSD_DOUBLE
    elif _is_integer(value):
        value, datatype = str(int(value)), datatype or XSD_INTEGER
    else:
        raise _Unsupported
    out = '"' + _escape(value) + '"'
    if datatype == RDF_LANGSTRING:
        if language:
            out += "@" + language
    elif datatype != XSD_STRING:
        out += "^^<" + datatype + ">"
    return out


def _canonize_simple(quads: list) -> str | None:
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


class _BoundedURDNA2015(URDNA2015):
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


def expand(document, loader: Callable, safe: bool = True) -> list:
    return _Processor(loader, safe).expand_document(document)


def canonize(document, loader: Callable, safe: bool = True) -> str:
    """pyld.jsonld.normalize(document, URDNA2015, N-Quads), byte for byte, plus safe mode."""
    processor = _Processor(loader, safe)
    expanded = None
    if FAST_PATHS:
        try:
            expanded = processor.expand_fast(document)
        except SafeModeError:
            raise
        except Exception:  # _Unsupported, or an error pyld must word
            expanded = None
        if expanded is not None:
            try:
                result = _canonize_simple(processor.quads_fast(expanded))
            except _Unsupported:
                result = None
            if result is not None:
                return result
    if expanded is None:
        expanded = processor.expand(document, processor.options)
    return _BoundedURDNA2015().main(processor.dataset_pyld(expanded), {"format": "application/n-quads"})
