"""Context processing and IRI expansion, memoized: pyld's own JsonLdProcessor._process_context
and _expand_iri, with their results kept per loader, and safe mode's check of IRIs no context
defines. The first layer of `Processor`."""

from __future__ import annotations

from typing import Callable

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from issuer.errors import SafeModeError
from issuer.proofs.jsonld_fast.caches import state_for
from issuer.proofs.jsonld_fast.common import KEYWORDS, get_context_value, is_absolute, raise_dropped


class ContextProcessing(jsonld.JsonLdProcessor):
    """pyld's processor with memoized context processing and IRI expansion over a loader's caches."""

    def __init__(self, loader: Callable, safe: bool):
        super().__init__(on_property_dropped=raise_dropped if safe else jsonld.noop)
        self._state = state_for(loader)
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
        """JsonLdProcessor._process_context itself, its result memoized for URL contexts."""
        if self._depth or cycles is not None:
            return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                            propagate, validate_scoped, cycles)
        # Only URL contexts are memoized here: an object is either the loader's (reached through
        # _process_scoped_context, memoized there) or the caller's, which may be mutated between calls, so pyld
        # keys it by content as it always does.
        if isinstance(local_ctx, str):
            key = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            key = tuple(local_ctx)
        else:
            return self._process_context_locked(active_ctx, local_ctx, options, override_protected, propagate,
                                        validate_scoped)
        key = ("url", id(active_ctx), key, override_protected, propagate, validate_scoped,
               options.get("base", ""))
        hit = self._state.contexts.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = self._process_context_locked(active_ctx, local_ctx, options, override_protected, propagate,
                                      validate_scoped)
        # Holding active_ctx keeps its id from being reused by another object.
        self._state.contexts[key] = (active_ctx, result)
        return result

    def _process_context_locked(self, active_ctx, local_ctx, options, override_protected, propagate,
                                validate_scoped):
        """JsonLdProcessor._process_context, one thread at a time (its own caches are not thread-safe)."""
        with self._state.lock:
            self._depth += 1
            try:
                return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                                propagate, validate_scoped)
            finally:
                self._depth -= 1

    def _process_scoped_context(self, active_ctx, local_ctx, override_protected, propagate):
        """A scoped context taken from a term definition, applied to `active_ctx`.

        Both objects belong to the loader's cached documents and processed contexts, which are
        never mutated once built, so identity is an exact key; the entry holds both so that
        their ids cannot be reused while it exists.
        """
        key = ("scoped", id(active_ctx), id(local_ctx), override_protected, propagate)
        hit = self._state.contexts.get(key)
        if hit is not None and hit[0] is active_ctx and hit[1] is local_ctx:
            return hit[2]
        result = self._process_context_locked(active_ctx, local_ctx, self.options, override_protected, propagate, True)
        self._state.contexts[key] = (active_ctx, local_ctx, result)
        return result

    # -- IRI expansion, memoized, with the safe-mode check --------------------------------

    def _context_values_of_term(self, ctx, key: str) -> tuple:
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
        container = get_context_value(ctx, key, "@container")
        containers = container if isinstance(container, list) else [container]
        iri = super()._expand_iri(ctx, key, vocab=True)
        mapping = ctx["mappings"].get(key)
        info = (
            iri,
            get_context_value(ctx, key, "@context"),
            "@list" in containers,
            container is not None and any(c != "@set" for c in containers),
            get_context_value(ctx, key, "@type"),
            get_context_value(ctx, key, "@language"),
            get_context_value(ctx, key, "@direction"),
            isinstance(iri, str) and bool(is_absolute(iri)),
            bool(mapping and mapping["reverse"]),
        )
        self._state.terms[memo_key] = (ctx, info)
        return info

    def _expand_iri_vocab(self, ctx, value):
        """pyld's _expand_iri(ctx, value, vocab=True) for an active context no longer changing."""
        if type(value) is not str:
            return super()._expand_iri(ctx, value, vocab=True)
        hit = self._state.terms.get((id(ctx), value))  # _context_values_of_term's memo, inlined: the hottest lookup
        if hit is not None and hit[0] is ctx:
            return hit[1][0]
        return self._context_values_of_term(ctx, value)[0]

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        """JsonLdProcessor._expand_iri, memoized for vocab=True, refusing in safe mode what only the
        default base would make absolute."""
        if self._depth or local_ctx is not None or type(value) is not str:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        result = self._expand_iri_vocab(active_ctx, value) if vocab else super()._expand_iri(active_ctx, value)
        # Without a base pyld returns a relative reference unchanged; with one it resolves it at
        # the very end, after every term, prefix and @vocab rule has failed. So a result that is
        # still relative here is exactly a value no context defines.
        if base is None or result is None or result in KEYWORDS or is_absolute(result):
            return result
        resolved = super()._expand_iri(active_ctx, value, base, vocab)
        if self._safe and (active_ctx.get("@base") is None or not is_absolute(resolved)):
            if vocab:
                raise SafeModeError(f"undefined type {value!r}: no context defines it")
            raise SafeModeError(f"relative IRI {value!r} used as an identifier; an absolute URL is required")
        return resolved
