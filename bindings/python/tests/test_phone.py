"""Phone numbers from Python (SPEC N1, N2), one at a time and in batches."""

from __future__ import annotations

import pytest

import practicetext as pt


@pytest.mark.parametrize(
    "written",
    ["(650) 253-0000", "650.253.0000", "+1 650 253 0000", "1-650-253-0000", "6502530000"],
)
def test_n1_common_written_forms_become_e164(written: str) -> None:
    n = pt.parse_phone(written)
    assert n.e164 == "+16502530000"
    assert n.region == "US"
    assert n.national_format == "(650) 253-0000"
    assert str(n) == "+16502530000"


def test_n2_canada_and_toll_free_regions() -> None:
    assert pt.parse_phone("1-416-253-0000").region == "CA"
    assert pt.parse_phone("800-253-0000").region == "TOLL_FREE"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("+44 20 7946 0958", "not_north_american"),
        ("+1 876 555 1234", "not_us_or_canada"),
        ("911-253-0000", "invalid_area_code"),
        ("253-0000", "too_short"),
        ("650 555 0123", "fictional_number"),
        ("call me", "not_a_number"),
        ("", "empty"),
    ],
)
def test_n2_refusals_raise_phone_error_with_the_core_code(written: str, code: str) -> None:
    with pytest.raises(pt.PhoneError) as e:
        pt.parse_phone(written)
    assert e.value.code == code
    assert isinstance(e.value, pt.PracticetextError)
    assert e.value.message


def test_repr_redacts_the_number() -> None:
    r = repr(pt.parse_phone("(650) 253-0000"))
    assert "6502530000" not in r and "region='US'" in r


def test_phones_compare_and_hash_by_number() -> None:
    assert pt.parse_phone("650.253.0000") == pt.parse_phone("+1 650 253 0000")
    assert len({pt.parse_phone("650.253.0000"), pt.parse_phone("6502530000")}) == 1


def test_n1_n2_batch_keeps_order_and_gives_errors_as_values() -> None:
    out = pt.parse_phones(["650.253.0000", "911", "+44 20 7946 0958", "416-253-0000"])
    assert [type(x).__name__ for x in out] == ["Phone", "PhoneError", "PhoneError", "Phone"]
    first, short, foreign, ca = out
    assert isinstance(first, pt.Phone) and first.e164 == "+16502530000"
    assert isinstance(short, pt.PhoneError) and short.code == "too_short"
    assert isinstance(foreign, pt.PhoneError) and foreign.code == "not_north_american"
    assert isinstance(ca, pt.Phone) and ca.region == "CA"


def test_batch_takes_any_iterable_and_agrees_with_single_calls() -> None:
    numbers = [f"650-253-{i:04d}" for i in range(2000)]
    from_generator = pt.parse_phones(n for n in numbers)
    assert len(from_generator) == 2000
    for n, r in zip(numbers[:50], from_generator):
        assert isinstance(r, pt.Phone) and r == pt.parse_phone(n)


def test_batch_of_100000_numbers() -> None:
    out = pt.parse_phones(["(650) 253-0000"] * 100_000)
    assert len(out) == 100_000
    assert all(isinstance(x, pt.Phone) for x in out[:: 10_000])
