"""Kubernetes resource quantities (`4`, `3500m`, `16374624Ki`, `1.5Gi`, `1e3`) as exact numbers.

The grammar is apimachinery's `resource.Quantity`: a signed decimal number followed by a binary
suffix (Ki..Ei), a decimal suffix (n, u, m, "", k, M, G, T, P, E) or a decimal exponent (e3, E-2).
Values are Fractions so that `3500m` equals 3.5 exactly and comparisons never round.
"""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
# The exponent is tried before the suffixes so that `1E3` is 1000 while a bare `1E` is one exa.
_QUANTITY = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?))"
)
# Inputs are untrusted: 10**exponent must stay a small number. apimachinery rejects far
# smaller values than this bound anyway.
_MAX_EXPONENT = 100


def parse_quantity(text: str) -> Fraction:
    """The value of a quantity; ValueError if `text` is not one."""
    match = _QUANTITY.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a Kubernetes quantity")
    number, exponent, suffix = match.groups()
    value = Fraction(number)
    if exponent is not None:
        power = int(exponent)
        if abs(power) > _MAX_EXPONENT:
            raise ValueError(f"{text!r}: exponent out of range")
        return value * Fraction(10) ** power
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    return value * _DECIMAL[suffix]
