"""To RDF, the last layer of `Processor`: the default graph's quads of an expanded document in
N-Quads syntax, as JsonLdProcessor._create_node_map, _graph_to_rdf, _object_to_rdf and
pyld.nquads make them."""

from __future__ import annotations

from pyld import jsonld
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import escape

from issuer.proofs.jsonld_fast.common import KEYWORDS, RDF_LANGSTRING, RDF_TYPE, XSD_BOOLEAN, XSD_DOUBLE, \
    XSD_INTEGER, XSD_STRING, Unsupported, canonicalize_double, compare_values, is_absolute, is_double, \
    is_integer
from issuer.proofs.jsonld_fast.expansion import Expansion


class Processor(Expansion):
    """One call's processor over a loader's caches; not shared between threads: contexts
    (ContextProcessing), expansion (Expansion) and to RDF (here)."""

    # -- to RDF ----------------------------------------------------------------------------

    def to_rdf_fast(self, expanded: list) -> list:
        """The default graph's quads as (subject, predicate, object) in N-Quads syntax, each
        with whether subject / object are blank nodes; mirrors pyld's to_rdf + serialize_nquad."""
        graph: dict = {}
        issuer = IdentifierIssuer("_:b")
        for element in expanded:
            self._create_node_map_fast(element, graph, issuer, None, None)
        quads = []
        append = quads.append
        predicates: dict = {}  # IRI -> its N-Quads form, or None when it makes no triple
        for subject, node in graph.items():
            if not is_absolute(subject):
                continue
            subject_is_bnode = subject.startswith("_:")
            subject_nq = subject if subject_is_bnode else "<" + subject + ">"
            for prop, items in node.items():
                prop_nq = predicates.get(prop, False)
                if prop_nq is False:
                    iri = RDF_TYPE if prop == "@type" else prop
                    # keywords, relative and blank node predicates make no RDF triple
                    ok = prop == "@type" or (prop not in KEYWORDS and is_absolute(prop)
                                             and not prop.startswith("_:"))
                    prop_nq = predicates[prop] = "<" + iri + ">" if ok else None
                if prop_nq is None:
                    continue
                for item in items:
                    if type(item) is not str:
                        append((subject_nq, subject_is_bnode, prop_nq, object_to_rdf_literal(item), False))
                        continue
                    object_id = item  # a type or a reference
                    if object_id.startswith("_:"):
                        append((subject_nq, subject_is_bnode, prop_nq, object_id, True))
                    elif is_absolute(object_id):
                        append((subject_nq, subject_is_bnode, prop_nq, "<" + object_id + ">", False))
        return quads

    def _create_node_map_fast(self, element, graph, issuer, subject_node, prop):
        """JsonLdProcessor._create_node_map for a node object of the subset (one graph, no
        lists or reverses); value objects are added by the caller, as pyld would."""
        if "@value" in element:
            raise Unsupported  # a top-level value: pyld drops those in expansion already
        if "@type" in element:
            for type_ in element["@type"]:
                if type_.startswith("_:"):
                    issuer.get_id(type_)
        if "@id" in element:
            node_id = element["@id"]
            if str(node_id).startswith("_:"):
                node_id = issuer.get_id(node_id)
        elif "@set" in element or "@list" in element:
            raise Unsupported
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
            if key in KEYWORDS:
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
                    raise Unsupported
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
                    elif not any(type(v) is dict and compare_values(obj, v) for v in values):
                        values.append(obj)
                else:
                    self._create_node_map_fast(obj, graph, issuer, node, key)

    def to_rdf_pyld(self, expanded: list) -> dict:
        """pyld's to_rdf on an already expanded document (normalize would expand it again)."""
        issuer = IdentifierIssuer("_:b")
        node_map = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        dataset = {}
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default" or jsonld._is_absolute_iri(graph_name):
                dataset[graph_name] = self._graph_to_rdf(graph, issuer, self.options)
        return dataset


def object_to_rdf_literal(item: dict) -> str:
    """The N-Quads form of a value object, as pyld's _object_to_rdf then serialize_nquad make it
    (the branches in pyld's order; rdfDirection is not set by normalize)."""
    value = item["@value"]
    datatype = item.get("@type")
    language = None
    if type(value) is str:
        if datatype == XSD_DOUBLE:
            try:
                value = canonicalize_double(float(value))
            except (ValueError, TypeError):
                pass
        elif "@language" in item:
            datatype, language = datatype or RDF_LANGSTRING, item["@language"]
        else:
            datatype = datatype or XSD_STRING
    elif isinstance(value, bool):
        value, datatype = ("true" if value else "false"), datatype or XSD_BOOLEAN
    elif is_double(value):
        value, datatype = canonicalize_double(value), datatype or XSD_DOUBLE
    elif datatype == XSD_DOUBLE:
        try:
            value = canonicalize_double(float(value))
        except (ValueError, TypeError):
            pass
    elif is_integer(value) and abs(value) >= 1e21:
        value, datatype = canonicalize_double(value), datatype or XSD_DOUBLE
    elif is_integer(value):
        value, datatype = str(int(value)), datatype or XSD_INTEGER
    else:
        raise Unsupported
    out = '"' + escape(value) + '"'
    if datatype == RDF_LANGSTRING:
        if language:
            out += "@" + language
    elif datatype != XSD_STRING:
        out += "^^<" + datatype + ">"
    return out
