"""Per-call and batch timings of the Python binding (release build).

Run with ``bash bindings/python/bench/run.sh`` (builds a release wheel into
target/wheels and installs it in target/bench-venv); not part of make test.
"""

from __future__ import annotations

import timeit

import practicetext as pt

NUMBER = "(650) 253-0000"
TEXT = "Hi Max, your pet's vaccines are due. Call us at (650) 253-0000 to book."


def per_call(label: str, stmt: str, setup: str = "", number: int = 200_000) -> float:
    g = {"pt": pt, "NUMBER": NUMBER, "TEXT": TEXT}
    best = min(timeit.repeat(stmt, setup=setup, globals=g, number=number, repeat=5)) / number
    print(f"{label:<48} {best * 1e9:8.0f} ns/call")
    return best


def per_item(label: str, stmt: str, items: int, number: int = 5) -> float:
    g = {"pt": pt, "numbers": [NUMBER] * items, "texts": [TEXT] * items}
    best = min(timeit.repeat(stmt, globals=g, number=number, repeat=5)) / number / items
    print(f"{label:<48} {best * 1e9:8.0f} ns/item")
    return best


def main() -> None:
    print(f"practicetext {pt.__version__} (Python binding)")
    one = per_call("parse_phone (valid)", "pt.parse_phone(NUMBER)")
    per_call("parse_phone (valid) + .e164", "pt.parse_phone(NUMBER).e164")
    per_call("parse_phone (refused, raises PhoneError)", "try:\n pt.parse_phone('911')\nexcept pt.PhoneError:\n pass", number=50_000)
    loop = per_item("parse_phone in a Python loop (100,000 numbers)", "[pt.parse_phone(n) for n in numbers]", 100_000)
    batch = per_item("parse_phones (100,000 numbers)", "pt.parse_phones(numbers)", 100_000)
    per_call("count_segments", "pt.count_segments(TEXT)")
    per_item("count_segments in a Python loop (10,000 texts)", "[pt.count_segments(t) for t in texts]", 10_000)
    per_item("count_segments_batch (10,000 texts)", "pt.count_segments_batch(texts)", 10_000)
    per_call("check_text", "pt.check_text(TEXT)", number=50_000)
    per_item("check_text in a Python loop (10,000 texts)", "[pt.check_text(t) for t in texts]", 10_000)
    per_item("check_texts (10,000 texts)", "pt.check_texts(texts)", 10_000)
    per_call("classify_keyword", "pt.classify_keyword(TEXT)")
    per_item("classify_keyword in a Python loop (10,000 texts)", "[pt.classify_keyword(t) for t in texts]", 10_000)
    per_item("classify_keywords (10,000 texts)", "pt.classify_keywords(texts)", 10_000)
    print(
        f"\nphone: {one * 1e9:.0f} ns per call (timeit), {loop * 1e9:.0f} ns per number in a Python loop,"
        f" {batch * 1e9:.0f} ns per number in one batch call"
    )


if __name__ == "__main__":
    main()
