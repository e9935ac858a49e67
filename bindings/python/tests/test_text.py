"""Segments (P7), content compliance (P1-P6) and keywords (C1-C3, C5)
from Python."""

from __future__ import annotations

import pytest

import practicetext as pt


def test_p7_gsm_text_costs_one_segment() -> None:
    s = pt.count_segments("Your pet's vaccines are due. Call 555-0123 to book.")
    assert (s.encoding, s.segments, s.remaining, s.per_segment) == ("GSM-7", 1, 109, 160)
    assert s.ucs2_chars == [] and s.smart_encoding is None


def test_p7_curly_quote_forces_ucs2_and_a_fix_is_suggested() -> None:
    s = pt.count_segments("Reminder: Max’s dental is Tue 9:30.")
    assert s.encoding == "UCS-2"
    (c,) = s.ucs2_chars
    assert (c.text, c.start, c.end, c.replacement) == ("’", 13, 14, "'")
    fix = s.smart_encoding
    assert fix is not None and fix.encoding == "GSM-7"
    assert fix.text == "Reminder: Max's dental is Tue 9:30."
    assert "Max" not in repr(fix)


def test_p7_concatenated_and_emoji() -> None:
    assert pt.count_segments("a" * 161).segments == 2
    assert pt.count_segments("🐶" * 35).units == 70


def test_p7_batch_equals_single_calls() -> None:
    texts = ["hi", "Max’s", "a" * 400, ""]
    batch = pt.count_segments_batch(texts)
    for t, b in zip(texts, batch):
        one = pt.count_segments(t)
        assert (one.encoding, one.units, one.segments, one.remaining) == (
            b.encoding,
            b.units,
            b.segments,
            b.remaining,
        )


def test_p1_p2_shorteners_and_cannabis_block() -> None:
    r = pt.check_text("Get CBD treats: bit.ly/x")
    assert r.verdict == "block"
    codes = {f.code for f in r.findings}
    assert {"url_shortener", "cannabis"} <= codes
    f = next(f for f in r.findings if f.code == "url_shortener")
    assert f.severity == "block" and f.message
    assert r.segments.segments == 1


def test_p5_promotional_wording_blocks_a_broadcast_only() -> None:
    text = "Save 20% off dental cleanings this week!"
    assert pt.check_text(text, "conversation").verdict == "warn"
    assert pt.check_text(text, "broadcast").verdict == "block"


def test_p1_own_domain_passes_with_an_organization_checker() -> None:
    c = pt.Checker({"own_domains": ["happypaws.example"]})
    assert c.check("Book at https://happypaws.example/b").verdict == "ok"
    assert [r.verdict for r in c.check_batch(["hi", "bit.ly/x"])] == ["ok", "block"]
    assert [r.verdict for r in pt.check_texts(["hi", "bit.ly/x"], "broadcast")] == ["ok", "block"]


def test_p6_unusable_policy_lists_its_problems() -> None:
    with pytest.raises(pt.TextError) as e:
        pt.Checker({"cannabis_terms": ["!"], "shortener_domains": ["not a host"]})
    assert e.value.code == "invalid_policy"


@pytest.mark.parametrize("text", ["STOP", "Stop.", " stop ", "STOP!!", "arrêt"])
def test_c1_opt_out_keywords(text: str) -> None:
    k = pt.classify_keyword(text)
    assert k.action == "opt_out"


def test_c2_plain_language_opt_out_is_flagged_but_containing_stop_is_not() -> None:
    k = pt.classify_keyword("please stop texting me")
    assert (k.action, k.review, k.flags) == ("opt_out", True, ["natural_language_opt_out"])
    assert pt.classify_keyword("can I stop by tomorrow?").action == "none"


def test_c3_yes_opts_in_only_when_opted_out_and_help() -> None:
    assert pt.classify_keyword("YES").action == "none"
    assert pt.classify_keyword("YES", True).action == "opt_in"
    assert pt.classify_keyword("HELP").action == "help"


def test_c5_cancel_opts_out_and_flags_a_cancellation() -> None:
    k = pt.classify_keyword("CANCEL")
    assert k.action == "opt_out" and k.flags == ["possible_cancellation"]
    assert k.keyword == "CANCEL"


def test_c1_organization_keywords_extend_the_built_in_lists() -> None:
    k = pt.Keywords({"opt_out": ["DETENER"]})
    assert k.classify("detener").action == "opt_out"
    assert k.classify("STOP").action == "opt_out"
    assert [c.action for c in k.classify_batch(["detener", "hola"])] == ["opt_out", "none"]
    assert [c.action for c in pt.classify_keywords(["YES", "STOP"], True)] == ["opt_in", "opt_out"]


def test_batch_of_10000_texts_checked_at_once() -> None:
    reports = pt.check_texts(["Your appointment is tomorrow at 9."] * 10_000)
    assert len(reports) == 10_000 and reports[-1].verdict == "ok"


def test_s1_s2_check_recipient_lists_every_missing_item() -> None:
    a = pt.check_recipient({"kind": "contact", "notify": "sms"})
    assert a["ok"] is False
    assert [m["code"] for m in a["missing"]] == [
        "missing_first_name",
        "missing_last_name",
        "missing_cell_phone",
    ]
    ok = pt.check_recipient('{"kind": "patient", "date_of_birth": "1980-02-03", "cell_phone": "(650) 253-0000"}')
    assert ok["ok"] is True
