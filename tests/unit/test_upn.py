"""UPN check letters, worked by hand from DfE's UPN specification."""

from __future__ import annotations

import pytest

from pipeline import upn

# Characters 2-13 times weights 2-13, summed, modulo 23, written in A-Z less I, O, S.
HAND_WORKED = [
    ("123456789012", "A"),  # 2+6+12+20+30+42+56+72+90+0+12+26 = 368 = 16 x 23
    ("801200005001", "B"),  # 16+4+10+50+13 = 93 = 4 x 23 + 1
    ("12345678901A", "X"),  # 342 (the A counts 0) = 14 x 23 + 20
    ("00000000001Z", "Z"),  # 1 x 12 + 22 x 13 (Z counts 22) = 298 = 12 x 23 + 22
]


@pytest.mark.parametrize(("body", "letter"), HAND_WORKED)
def test_check_letter_worked_by_hand(body, letter):
    assert upn.check_letter(body) == letter
    assert upn.is_valid(letter + body)


def test_a_wrong_letter_or_one_digit_changed_is_invalid():
    # Weights 2-13 and digit changes 1-9 are all below 23, a prime: a single changed digit
    # always changes the sum modulo 23, so the letter no longer matches.
    body = "801200005001"
    assert not upn.is_valid("A" + body)
    for i in range(12):
        for d in "0123456789":
            if d != body[i]:
                assert not upn.is_valid("B" + body[:i] + d + body[i + 1 :])


def test_letters_and_codes():
    assert set(upn.LETTERS) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("IOS")
    assert all(upn.is_valid(f"UN{i}") for i in range(1, 6))
    assert not upn.is_valid("UN6")
    for bad in ("I801200005001", "B80120000500", "B8012000050011", "b801200005001", ""):
        assert not upn.is_valid(bad), bad
    with pytest.raises(ValueError):
        upn.check_letter("12345678901S")
