"""Unique Pupil Numbers: their form and DfE check letter (DfE rule 168), for every room.

A UPN is 13 characters: a check letter, then 12 digits (a permanent UPN) or 11 digits and a
letter (a temporary one). The check letter is the sum of characters 2 to 13, each times its
position (2 to 13), modulo 23, written in the letters A-Z less I, O and S; a temporary UPN's
last letter counts as its place in the same letters (A = 0, B = 1 ...). A child with no UPN
is returned with UN1-UN5, the reason there is none.
"""

from __future__ import annotations

import re

from pipeline.schema import UN_CODES

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the 23 letters a UPN uses: A-Z less I, O, S
_BODY = re.compile(rf"^\d{{11}}[\d{LETTERS}]$")


def check_letter(body: str) -> str:
    """The check letter of a UPN's last 12 characters (11 digits, then a digit or a letter).

    >>> check_letter("123456789012"), check_letter("801200005001"), check_letter("12345678901A")
    ('A', 'B', 'X')
    """
    if not _BODY.match(body):
        raise ValueError(f"not the 12 characters after a UPN's check letter: {body!r}")
    values = [int(c) if c.isdigit() else LETTERS.index(c) for c in body]
    return LETTERS[sum(v * w for v, w in zip(values, range(2, 14), strict=True)) % 23]


def is_valid(upn: str) -> bool:
    """Whether ``upn`` is a valid UPN (check letter included) or one of UN1-UN5.

    >>> [is_valid(u) for u in ("B801200005001", "A801200005001", "I801200005001", "UN3")]
    [True, False, False, True]
    >>> [is_valid(u) for u in ("UN6", "Q20700001604", "A12345678901S")]
    [False, False, False]
    """
    if upn in UN_CODES:
        return True
    if len(upn) != 13 or upn[0] not in LETTERS or not _BODY.match(upn[1:]):
        return False
    return upn[0] == check_letter(upn[1:])


# The form: a check letter, 11 digits, a digit or letter; every letter one of the 23.
_FORM = re.compile(rf"[{LETTERS}]\d{{11}}[\d{LETTERS}]")


def well_formed(text: str) -> bool:
    """Whether ``text`` has a UPN's form (its check letter not checked) or is UN1-UN5.

    >>> [well_formed(u) for u in ("A801200005001", "I801200005001", "A80120000500S", "UN2")]
    [True, False, False, True]
    """
    return text in UN_CODES or _FORM.fullmatch(text) is not None


def check_letter_right(text: str) -> bool | None:
    """Whether a well-formed UPN's check letter matches its digits (None: not one to check).

    >>> [check_letter_right(u) for u in ("B801200005001", "A801200005001", "UN2", "B8012")]
    [True, False, None, None]
    """
    if text in UN_CODES or not well_formed(text):
        return None
    return text[0] == check_letter(text[1:])
