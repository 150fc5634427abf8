"""Baking Open Badges 3.0 images (OB 3.0 section 5.3): a credential put inside a PNG or an SVG.

PNG: one uncompressed `iTXt` chunk with the keyword `openbadgecredential`, right after IHDR. SVG:
an `<openbadges:credential>` element in the namespace https://purl.imsglobal.org/ob/v3p0 right
after the `<svg>` start tag, holding the JSON in CDATA or the JWS in a `verify` attribute.
Reading a baked image is the format's other half, in issuer.credentials.baked (the verifier
reads it without importing delivery); its parsers are used here to find where to write.
"""

from __future__ import annotations

import json
import re
import struct
import zlib

from issuer.credentials.baked import (MAX_CREDENTIAL_BYTES, OB_NAMESPACE, PNG_KEYWORD, BakingError,
                                      is_credential_element, itxt_parts, parse_svg, png_chunks, svg_parser)

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _credential_text(credential: dict | str) -> str:
    if isinstance(credential, dict):
        text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(credential, str) and _JWS.fullmatch(credential.strip()):
        text = credential.strip()
    else:
        raise BakingError("bake a credential object or a compact JWS (VC-JWT) string")
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise BakingError(f"the credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
    return text


# -- PNG -----------------------------------------------------------------------------------

def _itxt_chunk(text: str) -> bytes:
    # Compression flag 0 and method 0: OB 3.0 says compression MUST NOT be used.
    body = PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    return struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body))


def bake_png(image: bytes, credential: dict | str) -> bytes:
    """`image` with the credential in an `openbadgecredential` iTXt chunk right after IHDR (so a
    reader can stop early); an existing one is replaced, as the spec allows."""
    text = _credential_text(credential)
    chunks = list(png_chunks(image))
    if chunks[0][0] != b"IHDR":
        raise BakingError("the PNG does not start with an IHDR chunk")
    out = [image[:chunks[0][3]], _itxt_chunk(text)]
    for kind, body, start, end in chunks[1:]:
        if kind == b"iTXt" and itxt_parts(body)[0] == PNG_KEYWORD:
            continue
        out.append(image[start:end])
    return b"".join(out)


# -- SVG -----------------------------------------------------------------------------------

def _start_tag_end(data: bytes, start: int) -> int:
    """Index just past the '>' closing the start tag that begins at `start` (quotes respected)."""
    quote = None
    for index in range(start, len(data)):
        char = data[index:index + 1]
        if quote:
            if char == quote:
                quote = None
        elif char in (b'"', b"'"):
            quote = char
        elif char == b">":
            return index + 1
    raise BakingError("the <svg> start tag is not closed")


def bake_svg(svg: bytes | str, credential: dict | str) -> bytes:
    """`svg` with the credential in an `<openbadges:credential>` element right after the `<svg>`
    start tag: a JWS goes in `verify`, JSON in CDATA. An SVG already baked is refused."""
    data = svg.encode("utf-8") if isinstance(svg, str) else bytes(svg)
    text = _credential_text(credential)
    found: dict = {}
    parser = svg_parser()

    def on_start(name, _attrs):
        if "root" not in found:
            found["root"] = (name, parser.CurrentByteIndex)
        if is_credential_element(name):
            raise BakingError("the SVG already carries a credential; bake a clean image")

    parser.StartElementHandler = on_start
    parse_svg(parser, data)
    name, start = found.get("root", (None, 0))
    if name != "http://www.w3.org/2000/svg svg":
        raise BakingError("not an SVG image (the root element is not <svg>)")
    tag_end = _start_tag_end(data, start)
    head = data[start:tag_end]
    namespace_declared = b"xmlns:openbadges=" in head
    if namespace_declared and OB_NAMESPACE.encode() not in head:
        raise BakingError("the SVG binds the 'openbadges' prefix to another namespace")
    if head.endswith(b"/>"):
        head, closing = head[:-2].rstrip() + b">", b"</svg>"
    else:
        closing = b""
    if not namespace_declared:
        head = head[:-1].rstrip() + f' xmlns:openbadges="{OB_NAMESPACE}">'.encode()
    if not text.startswith("{"):
        element = f'<openbadges:credential verify="{text}"></openbadges:credential>'
    else:
        # "]]>" inside the JSON would end the CDATA section early: split it across two sections.
        element = "<openbadges:credential><![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") \
                  + "]]></openbadges:credential>"
    return data[:start] + head + element.encode("utf-8") + closing + data[tag_end:]


__all__ = ["bake_png", "bake_svg"]
