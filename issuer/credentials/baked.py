"""Reading an Open Badges 3.0 baked image (OB 3.0 section 5.3): a credential carried inside a PNG
or an SVG.

PNG: one `iTXt` chunk with the keyword `openbadgecredential` whose text is the credential's JSON
or its compact JWS (VC-JWT). SVG: an `<openbadges:credential>` element in the namespace
https://purl.imsglobal.org/ob/v3p0, holding the JSON in CDATA or the JWS in a `verify` attribute.

`extract_png` / `extract_svg` return that text (JSON or JWS); they never fetch anything and refuse
oversized or malformed input with `BakingError`. This is the format, shared by the verifier (which
reads it) and issuer.delivery.baking (which writes it), so that verifying a baked image needs
neither the delivery domain nor the rendering stack: only the standard library is used.
"""

from __future__ import annotations

import struct
import zlib
from xml.parsers import expat

from issuer.errors import LerError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
# Read, never written: some bakers use the context's path; accepting it costs nothing.
_READ_NAMESPACES = (OB_NAMESPACE, "https://purl.imsglobal.org/spec/ob/v3p0")
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024


class BakingError(LerError):
    """An image cannot be baked, or carries no readable credential."""


# -- PNG -----------------------------------------------------------------------------------

def png_chunks(data: bytes):
    """(type, body, start offset, end offset) of each chunk, CRCs checked, up to IEND."""
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError(f"the image is larger than {MAX_IMAGE_BYTES} bytes")
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image (the PNG signature is missing)")
    offset = len(PNG_SIGNATURE)
    while True:
        if offset + 12 > len(data):
            raise BakingError("the PNG ends in the middle of a chunk")
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        end = offset + 12 + length
        if end > len(data):
            raise BakingError(f"the PNG chunk {kind!r} runs past the end of the file")
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4:end])
        if zlib.crc32(kind + body) != crc:
            raise BakingError(f"the PNG chunk {kind.decode('latin-1')!r} is corrupt (CRC mismatch)")
        yield kind, body, offset, end
        if kind == b"IEND":
            return
        offset = end


def itxt_parts(body: bytes) -> tuple[bytes, int, int, bytes]:
    """(keyword, compression flag, method, text bytes) of an iTXt chunk body (PNG spec 11.3.4.5)."""
    try:
        keyword, rest = body.split(b"\x00", 1)
        flag, method = rest[0], rest[1]
        _language, rest = rest[2:].split(b"\x00", 1)
        _translated, text = rest.split(b"\x00", 1)
    except (ValueError, IndexError):
        raise BakingError("a malformed iTXt chunk") from None
    return keyword, flag, method, text


def baked_image_kind(data: bytes) -> str | None:
    """"PNG" or "SVG" when `data` looks like an image that may carry a credential, else None."""
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "SVG" if head.startswith(b"<") and b"<svg" in head else None


def extract_png(data: bytes) -> str:
    """The text of the first `openbadgecredential` iTXt chunk: credential JSON or a compact JWS."""
    for kind, body, _start, _end in png_chunks(bytes(data)):
        if kind != b"iTXt":
            continue
        keyword, flag, method, text = itxt_parts(body)
        if keyword != PNG_KEYWORD:
            continue
        if flag:
            # Bakers must not compress, but a reader loses nothing by accepting it (bounded).
            if method != 0:
                raise BakingError(f"the credential chunk uses unknown compression method {method}")
            inflater = zlib.decompressobj()
            try:
                text = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
            except zlib.error as exc:
                raise BakingError(f"the compressed credential chunk is corrupt: {exc}") from None
            if len(text) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
                raise BakingError(f"the baked credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
        return _decoded(text)
    raise BakingError("the PNG carries no Open Badges credential (no 'openbadgecredential' iTXt chunk)")


def _decoded(text: bytes) -> str:
    try:
        value = text.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BakingError("the baked credential is not UTF-8 text") from None
    if not value:
        raise BakingError("the baked credential is empty")
    return value


# -- SVG -----------------------------------------------------------------------------------

class _Found(Exception):
    pass


def svg_parser() -> expat.XMLParserType:
    """A namespace-aware expat parser that refuses entity declarations (billion laughs, external
    entities): an SVG badge needs none."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def _no_entities(*_args):
        raise BakingError("the SVG declares XML entities, which are not accepted")

    parser.EntityDeclHandler = _no_entities
    parser.UnparsedEntityDeclHandler = _no_entities
    parser.ExternalEntityRefHandler = lambda *_args: _no_entities()
    return parser


def is_credential_element(name: str) -> bool:
    namespace, _, local = name.rpartition(" ")
    return local == "credential" and namespace in _READ_NAMESPACES


def parse_svg(parser: expat.XMLParserType, data: bytes) -> None:
    """Feed a whole SVG to `parser` (its handlers do the work), size-checked, as BakingError."""
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError(f"the image is larger than {MAX_IMAGE_BYTES} bytes")
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise BakingError(f"not a well-formed SVG: {exc}") from None


def extract_svg(data: bytes) -> str:
    """The credential of the first `<openbadges:credential>` element: its `verify` attribute (a
    compact JWS) or its text (the credential JSON, normally in CDATA)."""
    state: dict = {"depth": 0, "inside": False, "text": [], "verify": None, "root": None, "size": 0}

    def on_start(name, attrs):
        if state["root"] is None:
            state["root"] = name
            if name != "http://www.w3.org/2000/svg svg":
                raise BakingError("not an SVG image (the root element is not <svg>)")
        if state["inside"]:
            state["depth"] += 1
        elif is_credential_element(name):
            state["inside"], state["verify"] = True, attrs.get("verify")

    def on_end(name):
        if state["inside"]:
            if state["depth"]:
                state["depth"] -= 1
            else:
                raise _Found

    def on_text(text):
        if state["inside"]:
            state["size"] += len(text)
            if state["size"] > MAX_CREDENTIAL_BYTES:
                raise BakingError(f"the baked credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
            state["text"].append(text)

    parser = svg_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = on_start, on_end, on_text
    try:
        parse_svg(parser, bytes(data))
    except _Found:
        if state["verify"] and state["verify"].strip():
            return state["verify"].strip()
        return _decoded("".join(state["text"]).encode("utf-8"))
    raise BakingError("the SVG carries no Open Badges credential (no <openbadges:credential> element)")

