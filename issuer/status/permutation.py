"""Where in its list a credential's status bit sits: a keyed shuffle of the issue order.

Bitstring Status List's privacy considerations ask that indexes be assigned at random, so that an
index says nothing about when a credential was issued or who else was issued alongside it. Drawing
random indexes and retrying on collision gets slow as a list fills and needs the database to
arbitrate; instead each list keeps its plain counter and a secret key, and the n-th slot handed
out is `permute(key, n)`: a bijection on [0, size), so slots never collide and are never reused,
and without the key the order cannot be recovered.

The bijection is a four-round Feistel network over the smallest even number of bits covering
`size`, with cycle-walking back into range (Black and Rogaway, "Ciphers with Arbitrary Finite
Domains"); BLAKE2b keyed with the list's secret is the round function. No library offers a
format-preserving permutation of an arbitrary small domain (the FF1/FF3 packages on PyPI are
unmaintained and decimal-string oriented), and this is a dozen lines.
"""

from __future__ import annotations

import hashlib

ROUNDS = 4


def _halves(size: int) -> int:
    return max(1, ((size - 1).bit_length() + 1) // 2)


def _feistel(key: bytes, value: int, half: int) -> int:
    mask = (1 << half) - 1
    left, right = value >> half, value & mask
    for round_ in range(ROUNDS):
        digest = hashlib.blake2b(right.to_bytes(4, "big"), digest_size=8, key=key,
                                 person=round_.to_bytes(16, "big")).digest()
        left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
    return left << half | right


def permute(key: bytes, position: int, size: int) -> int:
    """The slot of the `position`-th credential (0-based) in a list of `size` slots."""
    if not 0 <= position < size:
        raise ValueError(f"position {position} is outside a list of {size} slots")
    half = _halves(size)
    value = _feistel(key, position, half)
    # The Feistel domain is at most four times `size`, so this loop runs few times on average.
    while value >= size:
        value = _feistel(key, value, half)
    return value
