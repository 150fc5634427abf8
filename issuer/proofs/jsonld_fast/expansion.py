"""Expansion, the second layer of `Processor`: JsonLdProcessor.expand for the JSON-LD credentials
use, in pyld's order and with pyld's results; anything else raises Unsupported."""

from __future__ import annotations

from issuer.proofs.jsonld_fast.common import KEYWORDS, SCALARS, Unsupported, is_absolute
from issuer.proofs.jsonld_fast.contexts import ContextProcessing


class Expansion(ContextProcessing):
    """JsonLdProcessor.expand by the fast path (expand_fast), over the memoized contexts."""

    def expand_fast(self, document) -> list:
        """JsonLdProcessor.expand (document given as an object, no URL) for the subset."""
        # JsonLdProcessor.expand deep-copies its input; nothing here mutates or keeps it.
        active_ctx = self._get_initial_context(self.options)
        expanded = self._expand_fast(active_ctx, None, document, None)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        elif expanded is None:
            expanded = []
        return expanded if isinstance(expanded, list) else [expanded]

    def _expand_fast(self, ctx, prop, element, type_scoped_ctx):
        """JsonLdProcessor._expand with inside_list and inside_index False (the subset's case)."""
        if element is None:
            return None
        if isinstance(element, list):
            if prop is not None and self._context_values_of_term(ctx, prop)[2]:
                raise Unsupported  # @list container
            out = []
            for item in element:
                item = self._expand_fast(ctx, prop, item, type_scoped_ctx)
                if item is not None:
                    if isinstance(item, list):
                        out.extend(item)
                    else:
                        out.append(item)
            return out
        if type(element) is not dict:
            if type(element) not in SCALARS:
                raise Unsupported
            if prop is None:
                return None  # free-floating scalar
            return self._expand_value_fast(ctx, prop, element)

        if prop is not None:
            term = self._context_values_of_term(ctx, prop)
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
                expanded_key = self._expand_iri_vocab(type_scoped_ctx, key)
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
            ctx = self._process_scoped_context(ctx, property_scoped_ctx, True, True)

        # _prepare_nested_context: the embedded context, then type-scoped contexts in order.
        if "@context" in element:
            local_ctx = element["@context"]
            if isinstance(local_ctx, dict) and len(local_ctx) == 1 and "@context" in local_ctx:
                raise Unsupported
            ctx = self._process_context(ctx, local_ctx, self.options)
        type_scoped_ctx = ctx
        type_key = None
        keys = sorted(element)
        for key in keys:
            if self._expand_iri_vocab(ctx, key) != "@type":
                continue
            type_key = type_key or key
            value = element[key]
            types = [t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)]
            for type_ in sorted(types):
                scoped = self._context_values_of_term(type_scoped_ctx, type_)[1]
                if scoped is not None and scoped is not False:
                    ctx = self._process_scoped_context(ctx, scoped, False, False)

        rval: dict = {}
        self._expand_object_fast(ctx, expanded_prop, element, keys, rval, type_key, type_scoped_ctx)
        count = len(rval)

        if "@value" in rval:
            if "@type" in rval and ("@language" in rval or "@direction" in rval):
                raise Unsupported
            if count - 1 - ("@type" in rval) - ("@language" in rval) - ("@direction" in rval) != 0:
                raise Unsupported
            if "@type" in rval:
                if isinstance(rval["@type"], list) or any(
                    self._expand_iri_vocab(ctx, k) == "@type" and isinstance(v, list) for k, v in element.items()
                ):
                    raise Unsupported
                types = [rval["@type"]]
            else:
                types = []
            if "@json" in types:
                raise Unsupported
            if rval["@value"] is None:
                rval = None
            elif "@language" in rval and not isinstance(rval["@value"], str):
                raise Unsupported
            elif not all(isinstance(t, str) and is_absolute(t) and not t.startswith("_:") for t in types):
                raise Unsupported
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

    def _expand_object_fast(self, ctx, expanded_prop, element, keys, rval, type_key, type_scoped_ctx):
        """JsonLdProcessor._expand_object for the subset; `keys` is sorted(element)."""
        if type_key in element:
            value = element[type_key]
            first = value[0] if value and isinstance(value, list) else value
            if self._expand_iri_vocab(ctx, first) == "@json":
                raise Unsupported
        for key in keys:
            if key == "@context":
                continue
            value = element[key]
            term = self._context_values_of_term(ctx, key)
            expanded = term[0]
            if expanded is None:
                self.on_property_dropped(expanded)
                continue
            if expanded in KEYWORDS:
                if expanded_prop == "@reverse":
                    raise Unsupported
                if expanded in rval and expanded != "@type":
                    raise Unsupported  # colliding keywords: pyld words the error
                if expanded == "@id":
                    if type(value) is not str:
                        raise Unsupported
                    rval["@id"] = self._expand_iri(ctx, value, base="")
                elif expanded == "@type":
                    values = value if isinstance(value, list) else [value]
                    if not all(isinstance(v, str) for v in values):
                        raise Unsupported
                    for v in values:  # add_value(propertyIsArray=False)
                        iri = self._expand_iri(type_scoped_ctx, v, vocab=True, base="")
                        if "@type" in rval:
                            if not isinstance(rval["@type"], list):
                                rval["@type"] = [rval["@type"]]
                            rval["@type"].append(iri)
                        else:
                            rval["@type"] = iri
                elif expanded == "@value":
                    if value is not None and type(value) not in SCALARS:
                        raise Unsupported
                    rval["@value"] = value
                elif expanded == "@language":
                    if value is None:
                        continue
                    if type(value) is not str:
                        raise Unsupported
                    rval["@language"] = value.lower()
                elif expanded == "@direction":
                    if type(value) is not str or value not in ("ltr", "rtl"):
                        raise Unsupported
                    rval["@direction"] = value
                else:
                    raise Unsupported
                continue
            if not term[7]:
                self.on_property_dropped(expanded)
                continue
            if term[3] or term[4] == "@json":
                raise Unsupported  # map containers, @list, @graph; JSON literals
            scoped = term[1]
            if scoped is None:
                # what _expand_fast then _expand_value do for a scalar, with the term already looked up
                if type(value) in SCALARS:
                    expanded_value = self._expand_value_of_term(ctx, term, value)
                elif value is None:
                    continue
                else:
                    expanded_value = self._expand_fast(ctx, key, value, None)
                if term[8]:
                    raise Unsupported  # reverse property
            else:
                term_ctx = self._process_scoped_context(ctx, scoped, True, True)
                expanded_value = self._expand_fast(term_ctx, key, value, None)
                mapping = term_ctx["mappings"].get(key)
                if mapping and mapping["reverse"]:
                    raise Unsupported
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

    def _expand_value_fast(self, ctx, prop, value):
        """JsonLdProcessor._expand_value for a scalar under a property (None is dropped before)."""
        return self._expand_value_of_term(ctx, self._context_values_of_term(ctx, prop), value)

    def _expand_value_of_term(self, ctx, term, value):
        """JsonLdProcessor._expand_value with the term's context values already looked up."""
        expanded_prop, type_, language, direction = term[0], term[4], term[5], term[6]
        if expanded_prop == "@graph":
            return None  # free-floating scalar
        if expanded_prop in KEYWORDS:
            raise Unsupported
        if type(value) is str:
            if type_ == "@id":
                return {"@id": self._expand_iri(ctx, value, base="")}
            if type_ == "@vocab":
                return {"@id": self._expand_iri(ctx, value, vocab=True, base="")}
        if type_ == "@json":
            raise Unsupported
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
