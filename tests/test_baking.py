"""Open Badges 3.0 baked images: PNG (iTXt `openbadgecredential`) and SVG (`<openbadges:credential>`)
carry the credential byte for byte, and what comes back out verifies."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from issuer.credentials.baked import OB_NAMESPACE, BakingError, extract_png, extract_svg
from issuer.delivery.baking import bake_png, bake_svg
from issuer.verify import verify_credential

from factories import open_badge

SVG = b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">' \
      b'<circle cx="5" cy="5" r="4"/></svg>'


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png() -> bytes:
    """A 1x1 grey PNG built by hand, so the test does not trust the code it checks."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00\x80")) \
        + _chunk(b"IEND", b"")


def _itxt_chunks(png: bytes) -> list[bytes]:
    """Every iTXt chunk body, read with a parser written here from the PNG spec."""
    out, offset = [], 8
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        if kind == b"iTXt":
            out.append(png[offset + 8:offset + 8 + length])
        offset += 12 + length
    return out


@pytest.fixture
def signed(services):
    return services.identity.sign(open_badge(services.identity.did))


def test_png_round_trip_verifies(services, signed):
    baked = bake_png(tiny_png(), signed)
    [body] = _itxt_chunks(baked)
    keyword, rest = body.split(b"\x00", 1)
    assert keyword == b"openbadgecredential" and rest[:2] == b"\x00\x00"  # uncompressed, as OB 3.0 requires
    text = extract_png(baked)
    assert json.loads(text) == signed
    result = verify_credential(text, resolver=services.identity.resolver())
    assert result.verified, result.to_json()


def test_png_jwt_round_trip_and_rebake_replaces(services, signed):
    token = services.identity.sign_jwt(open_badge(services.identity.did))
    baked = bake_png(bake_png(tiny_png(), signed), token)
    assert len(_itxt_chunks(baked)) == 1, "a PNG must not carry the chunk twice"
    assert extract_png(baked) == token
    assert verify_credential(extract_png(baked), resolver=services.identity.resolver()).verified


def test_png_reader_accepts_a_compressed_chunk_and_refuses_bad_input(signed):
    text = json.dumps(signed).encode()
    body = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(text)
    png = tiny_png()
    compressed = png[:33] + _chunk(b"iTXt", body) + png[33:]
    assert json.loads(extract_png(compressed)) == signed
    with pytest.raises(BakingError, match="no 'openbadgecredential'"):
        extract_png(png)
    with pytest.raises(BakingError, match="not a PNG"):
        extract_png(b"GIF89a")
    corrupt = bytearray(bake_png(png, signed))
    corrupt[60] ^= 0xFF
    with pytest.raises(BakingError, match="CRC"):
        extract_png(bytes(corrupt))
    with pytest.raises(BakingError):
        extract_png(png[:20])


def test_svg_round_trip_with_embedded_proof(services, signed):
    baked = bake_svg(SVG, signed)
    assert f'xmlns:openbadges="{OB_NAMESPACE}"'.encode() in baked
    head, _, rest = baked.partition(b">\n<svg")
    # Directly after the <svg> start tag, in CDATA, no verify attribute.
    assert rest.split(b">", 1)[1].startswith(b"<openbadges:credential><![CDATA[{")
    text = extract_svg(baked)
    assert json.loads(text) == signed
    assert verify_credential(text, resolver=services.identity.resolver()).verified


def test_svg_round_trip_with_jwt(services):
    token = services.identity.sign_jwt(open_badge(services.identity.did))
    baked = bake_svg(SVG.decode(), token)
    assert f'<openbadges:credential verify="{token}"></openbadges:credential>'.encode() in baked
    assert extract_svg(baked) == token
    assert verify_credential(extract_svg(baked), resolver=services.identity.resolver()).verified


def test_svg_cdata_terminator_inside_the_json_survives(signed):
    credential = {**signed, "description": "a]]>b"}
    assert json.loads(extract_svg(bake_svg(SVG, credential)))["description"] == "a]]>b"


def test_svg_self_closing_root_and_existing_prefix():
    credential = {"@context": [], "id": "urn:x"}
    baked = bake_svg(f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_NAMESPACE}"/>', credential)
    assert baked.count(b"xmlns:openbadges") == 1 and baked.endswith(b"</svg>")
    assert json.loads(extract_svg(baked)) == credential


def test_svg_refusals(signed):
    with pytest.raises(BakingError, match="already carries"):
        bake_svg(bake_svg(SVG, signed), signed)
    with pytest.raises(BakingError, match="no <openbadges:credential>"):
        extract_svg(SVG)
    with pytest.raises(BakingError, match="not an SVG"):
        extract_svg(b"<html/>")
    with pytest.raises(BakingError, match="well-formed"):
        extract_svg(b"<svg")
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' \
           b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>'
    with pytest.raises(BakingError, match="entities"):
        extract_svg(bomb)
    with pytest.raises(BakingError, match="JWS"):
        bake_svg(SVG, 'not" a jws')
