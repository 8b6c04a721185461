import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from bangfu.core.id_numbers import InvalidIdNumber, check_character, parse_id_number

TODAY = dt.date(2026, 11, 25)
areas = st.sampled_from(["530428", "350502", "110101", "210302"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def build(area: str, birth: dt.date, sequence: int) -> str:
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@given(areas, births, sequences)
def test_a_well_formed_number_parses_with_its_birth_date_and_sex(area, birth, sequence):
    facts = parse_id_number(build(area, birth, sequence), today=TODAY)
    assert facts.birth_date == birth
    assert facts.sex == ("M" if sequence % 2 else "F")


@given(areas, births, sequences, st.integers(min_value=0, max_value=16), st.data())
def test_changing_any_one_digit_is_caught(area, birth, sequence, position, data):
    number = build(area, birth, sequence)
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    tampered = number[:position] + replacement + number[position + 1 :]
    # Either the birth date becomes impossible or the check digit no longer matches:
    # MOD 11-2 detects every single-digit substitution.
    with pytest.raises(InvalidIdNumber):
        parse_id_number(tampered, today=TODAY)


@given(areas, births, sequences)
def test_lower_case_x_and_spaces_are_normalised(area, birth, sequence):
    number = build(area, birth, sequence)
    spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    assert parse_id_number(spaced, today=TODAY).number == number


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("53042819600517001", "must have 18 characters, has 17"),
        ("53042819600517001Y", "must be 17 digits followed by a digit or X"),
        ("530428196002300012", "birth date 19600230 does not exist"),
        (build("530428", dt.date(2030, 1, 1), 1), "birth date 2030-01-01 is not plausible"),
    ],
)
def test_bad_numbers_say_why(raw, reason):
    with translation.override("en"), pytest.raises(InvalidIdNumber, match=reason):
        parse_id_number(raw, today=TODAY)


def test_a_known_real_format_number_validates():
    # The worked example of GB 11643-1999: 11010519491231002X.
    facts = parse_id_number("11010519491231002X", today=TODAY)
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.sex == "F"


def test_the_reason_is_in_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(InvalidIdNumber) as caught:
        parse_id_number("5304281960051700", today=TODAY)
    assert str(caught.value) == "应为18位，实为16位"
