#!/usr/bin/env python3
"""Generate the NANP area-code tables for practicetext.

Derives, for every 3-digit NPA 200..999, a class and (for US and Canadian
geographic NPAs) one IANA time zone from libphonenumber's metadata (via the
PyPI package `phonenumbers`, the Python port of Google's libphonenumber) and
writes them as Rust tables to
`crates/practicetext-core/src/phone/area_codes.rs` (classes) and
`crates/practicetext-core/src/hours/area_code_zones.rs` (time zones).

Requirements (use a virtual environment; the versions are pinned below):

    python3 -m venv /tmp/pn
    /tmp/pn/bin/pip install phonenumbers==9.0.43 tzdata==2025.2
    /tmp/pn/bin/python tools/gen-area-codes/gen_area_codes.py [--date YYYY-MM-DD]

Classes (must match `AreaCodeClass` on the Rust side):

    0 = unassigned / no valid number found anywhere
    1 = US geographic        (region "US", FIXED_LINE / MOBILE / FIXED_LINE_OR_MOBILE)
    2 = Canada geographic    (region "CA", same types)
    3 = toll-free            (type TOLL_FREE)
    4 = another NANP country (region not US/CA; this includes the US
                              territories PR, VI, GU, AS, MP)
    5 = non-geographic US/CA special service (premium rate, personal
        numbers, UAN, VoIP, pager, ...: valid but none of the above)

Method: for each NPA, every exchange NXX 200..999 is tried with line number
1234 (`+1 NPA NXX 1234`); each valid number is classified and the NPA takes
the highest-priority class seen (geographic 1/2 beats everything, then 4,
then 3, then 5). NPAs with no valid number in that pass get a second pass
with a few more line numbers before being declared unassigned. The output
is deterministic apart from the generation date.

Time zones (SPEC X1: the recipient's time zone from the area code), one per
US or Canadian geographic NPA; every other NPA (toll-free, other countries,
special services, unassigned) gets none and the caller falls back to the
organization's zone. libphonenumber maps number prefixes to one or several
zones, so for each NPA the sample numbers `+1 NPA NXX 1234` (NXX 200..999,
US/CA numbers only, "Etc/Unknown" ignored) each cast one vote, split evenly
among the k zones libphonenumber lists for that number (1/k each). The
NPA takes the most voted zone, with two refinements, because zones
libphonenumber lists together are often the same local time under two names
(America/Boise and America/Denver) while plain counting would let a region's
many-named minority win (ND 701: Denver 652 exchanges, Chicago 148 alone plus
639 shared with North_Dakota/Center, which is also Central time):
  1. votes are first summed per local-time group: zones with the same UTC
     offsets on 2026-01-15 and 2026-07-15 (IANA data from the pinned `tzdata`
     package); the NPA takes the most voted group, then the most voted zone
     inside it (ties: most exchanges naming that zone alone, then name);
  2. when two groups tie within the NPA (libphonenumber names two zones for
     the whole NPA, e.g. 709 Halifax/St_Johns, 986 Boise/Los_Angeles), the
     votes of every NPA of the same state or province (libphonenumber's
     geocoder, e.g. 986 and 208 are both "Idaho") break the tie.
Ties left after that are reported on stderr and resolved by zone name.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import importlib.resources
import re
import sys
import zoneinfo
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import phonenumbers
import tzdata
from phonenumbers import PhoneNumberType, geocoder
from phonenumbers import timezone as pn_timezone

PHONENUMBERS_VERSION = "9.0.43"
assert phonenumbers.__version__ == PHONENUMBERS_VERSION, (
    f"expected phonenumbers=={PHONENUMBERS_VERSION}, "
    f"found {phonenumbers.__version__}; run: pip install phonenumbers=={PHONENUMBERS_VERSION}"
)

TZDATA_VERSION = "2025.2"
assert tzdata.IANA_VERSION and tzdata.__version__ == TZDATA_VERSION, (
    f"expected tzdata=={TZDATA_VERSION}, "
    f"found {tzdata.__version__}; run: pip install tzdata=={TZDATA_VERSION}"
)

CORE_SRC = (Path(__file__).resolve().parent / "../../crates/practicetext-core/src").resolve()
OUTPUT = CORE_SRC / "phone/area_codes.rs"
ZONES_OUTPUT = CORE_SRC / "hours/area_code_zones.rs"

UNASSIGNED, US_GEO, CA_GEO, TOLL_FREE, OTHER_NANP, SPECIAL = range(6)
CLASS_NAMES = {
    UNASSIGNED: "unassigned",
    US_GEO: "US geographic",
    CA_GEO: "Canada geographic",
    TOLL_FREE: "toll-free",
    OTHER_NANP: "other NANP country",
    SPECIAL: "US/CA special service",
}
# Higher wins when an NPA has valid numbers of several classes.
PRIORITY = {UNASSIGNED: 0, SPECIAL: 1, TOLL_FREE: 2, OTHER_NANP: 3, CA_GEO: 4, US_GEO: 5}

GEOGRAPHIC_TYPES = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}

PRIMARY_LINE = "1234"
FALLBACK_LINES = ("0000", "5555", "9999")


def classify_number(number: phonenumbers.PhoneNumber) -> int:
    """Class of one valid NANP number."""
    region = phonenumbers.region_code_for_number(number)
    ntype = phonenumbers.number_type(number)
    if ntype == PhoneNumberType.TOLL_FREE:
        return TOLL_FREE
    if region not in ("US", "CA"):
        return OTHER_NANP
    if ntype in GEOGRAPHIC_TYPES:
        return US_GEO if region == "US" else CA_GEO
    return SPECIAL


def classes_seen(npa: int, lines: tuple[str, ...]) -> set[int]:
    seen: set[int] = set()
    for nxx in range(200, 1000):
        for line in lines:
            number = phonenumbers.PhoneNumber(
                country_code=1, national_number=int(f"{npa}{nxx}{line}")
            )
            if phonenumbers.is_valid_number(number):
                seen.add(classify_number(number))
    return seen


def classify_npa(npa: int) -> int:
    seen = classes_seen(npa, (PRIMARY_LINE,))
    if not seen:
        seen = classes_seen(npa, FALLBACK_LINES)
    if not seen:
        return UNASSIGNED
    best = max(seen, key=PRIORITY.__getitem__)
    others = seen - {best}
    # A geographic NPA that also has some special-service numbers is expected;
    # anything else mixed is worth a look when the metadata is updated.
    if others and not (best in (US_GEO, CA_GEO) and others <= {SPECIAL}):
        names = ", ".join(CLASS_NAMES[c] for c in sorted(seen))
        print(f"warning: NPA {npa} mixes {names}; using {CLASS_NAMES[best]}", file=sys.stderr)
    return best


# Instants at which a zone's UTC offset is read to group zones that keep the
# same local time (winter and summer of the year the table was designed for).
GROUP_INSTANTS = (
    datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.timezone.utc),
    datetime.datetime(2026, 7, 15, 12, tzinfo=datetime.timezone.utc),
)
UNKNOWN_ZONE = "Etc/Unknown"


def zone_info(name: str) -> zoneinfo.ZoneInfo:
    """The zone from the pinned `tzdata` package, never the system's copy."""
    with importlib.resources.files("tzdata.zoneinfo").joinpath(name).open("rb") as f:
        return zoneinfo.ZoneInfo.from_file(f, key=name)


@functools.cache
def local_time_group(name: str) -> tuple[float, ...]:
    zone = zone_info(name)
    return tuple(
        at.astimezone(zone).utcoffset().total_seconds() for at in GROUP_INSTANTS
    )


class ZoneVotes:
    """Votes of one NPA's sample exchanges for each zone (1/k per exchange)."""

    def __init__(self) -> None:
        self.votes: dict[str, Fraction] = defaultdict(Fraction)
        self.sole: dict[str, int] = defaultdict(int)
        self.exchanges = 0

    def add(self, zones: tuple[str, ...]) -> None:
        self.exchanges += 1
        for zone in zones:
            self.votes[zone] += Fraction(1, len(zones))
        if len(zones) == 1:
            self.sole[zones[0]] += 1

    def group_votes(self) -> dict[tuple[float, ...], Fraction]:
        groups: dict[tuple[float, ...], Fraction] = defaultdict(Fraction)
        for zone, v in self.votes.items():
            groups[local_time_group(zone)] += v
        return groups


def sample_zone_votes(npa: int) -> ZoneVotes:
    votes = ZoneVotes()
    for nxx in range(200, 1000):
        number = phonenumbers.PhoneNumber(
            country_code=1, national_number=int(f"{npa}{nxx}{PRIMARY_LINE}")
        )
        if not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.region_code_for_number(number) not in ("US", "CA"):
            continue
        zones = tuple(
            sorted(z for z in pn_timezone.time_zones_for_number(number) if z != UNKNOWN_ZONE)
        )
        if zones:
            votes.add(zones)
    return votes


@functools.cache
def state_of(npa: int) -> str:
    """State or province libphonenumber's geocoder names for the NPA."""
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(f"{npa}200{PRIMARY_LINE}"))
    return geocoder.description_for_number(number, "en")


def best(scores: dict, tie_break) -> tuple:
    """The key with the highest score, and whether it tied with another."""
    top = max(scores.values())
    leaders = sorted((k for k, v in scores.items() if v == top), key=tie_break)
    return leaders[0], len(leaders) > 1


def choose_zone(npa: int, votes: ZoneVotes, state_groups: dict) -> str:
    groups = votes.group_votes()
    group, tied = best(groups, tie_break=lambda g: 0)
    if tied:
        pooled = state_groups[state_of(npa)]
        candidates = {g: pooled[g] for g, v in groups.items() if v == groups[group]}
        group, still_tied = best(candidates, tie_break=lambda g: g)
        if still_tied:
            print(f"warning: NPA {npa}: local-time groups tie even across its state", file=sys.stderr)
    in_group = {z: v for z, v in votes.votes.items() if local_time_group(z) == group}
    zone, _ = best(in_group, tie_break=lambda z: (-votes.sole[z], z))
    return zone


def zone_table(classes: list[int]) -> tuple[list[str | None], dict[int, ZoneVotes]]:
    samples = {
        npa: sample_zone_votes(npa)
        for npa in range(200, 1000)
        if classes[npa] in (US_GEO, CA_GEO)
    }
    state_groups: dict[str, dict] = defaultdict(lambda: defaultdict(Fraction))
    for npa, votes in samples.items():
        for group, v in votes.group_votes().items():
            state_groups[state_of(npa)][group] += v
    table: list[str | None] = [None] * 1000
    for npa, votes in samples.items():
        if votes.exchanges:
            table[npa] = choose_zone(npa, votes, state_groups)
    return table, samples


def rust_path(zone: str) -> str:
    if not re.fullmatch(r"[A-Za-z_]+(/[A-Za-z_]+)+", zone):
        raise SystemExit(f"unexpected zone name {zone!r}")
    return "chrono_tz::" + zone.replace("/", "::")


def render_zones(table: list[str | None], samples: dict[int, ZoneVotes], date: str) -> str:
    zones = sorted({z for z in table if z})
    index = {z: i + 1 for i, z in enumerate(zones)}
    out = [
        f"//! Generated by tools/gen-area-codes/gen_area_codes.py from phonenumbers "
        f"{PHONENUMBERS_VERSION} (libphonenumber metadata) and tzdata {TZDATA_VERSION} "
        f"on {date}. Do not edit by hand.",
        "//!",
        "//! One IANA time zone per US or Canadian geographic area code: the zone",
        "//! most of the NPA's sample exchanges vote for (see the script's docs).",
        "//! Area codes libphonenumber places in several zones (chosen zone first,",
        "//! then each zone's share of the sampled exchanges):",
    ]
    for npa in sorted(samples):
        votes = samples[npa]
        if len(votes.votes) > 1 and table[npa]:
            shares = ", ".join(
                f"{z} {float(v) / votes.exchanges:.0%}"
                for z, v in sorted(votes.votes.items(), key=lambda kv: (-kv[1], kv[0]))
            )
            out.append(f"//! - {npa} ({state_of(npa)}): {table[npa]}; {shares}")
    out += [
        "",
        "use chrono_tz::Tz;",
        "",
        "/// The zones the table refers to; `NPA_ZONE` holds index + 1.",
        f"pub(crate) static ZONES: [Tz; {len(zones)}] = [",
    ]
    out += [f"    {rust_path(z)}," for z in zones]
    out += [
        "];",
        "",
        "/// Zone of each area code (index = NPA 0..=999): 0 = none, i = `ZONES[i - 1]`.",
        "#[rustfmt::skip]",
        "pub(crate) static NPA_ZONE: [u8; 1000] = [",
    ]
    for start in range(0, 1000, 20):
        row = ", ".join(str(index.get(z, 0)) for z in table[start : start + 20])
        out.append(f"    {row}, // {start}..={start + 19}")
    out += [
        "];",
        "",
        "/// Versions of the libphonenumber metadata and IANA data this table came from.",
        f'pub(crate) const SOURCE: &str = "phonenumbers {PHONENUMBERS_VERSION}, tzdata {TZDATA_VERSION}";',
        "",
        "/// Date the table was generated.",
        f'pub(crate) const GENERATED: &str = "{date}";',
        "",
    ]
    return "\n".join(out)


def render(table: list[int], date: str) -> str:
    out = [
        f"//! Generated by tools/gen-area-codes/gen_area_codes.py from phonenumbers "
        f"{PHONENUMBERS_VERSION} (libphonenumber metadata) on {date}. Do not edit by hand.",
        "",
        "/// Class of each area code (index = NPA 0..=999); see `AreaCodeClass`.",
        "#[rustfmt::skip]",
        "pub(crate) static NPA_CLASS: [u8; 1000] = [",
    ]
    for start in range(0, 1000, 20):
        row = ", ".join(str(c) for c in table[start : start + 20])
        out.append(f"    {row}, // {start}..={start + 19}")
    out += [
        "];",
        "",
        "/// Version of the libphonenumber metadata this table came from.",
        f'pub(crate) const SOURCE: &str = "phonenumbers {PHONENUMBERS_VERSION}";',
        "",
        "/// Date the table was generated.",
        f'pub(crate) const GENERATED: &str = "{date}";',
        "",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--date",
        type=lambda s: datetime.date.fromisoformat(s).isoformat(),
        default=datetime.date.today().isoformat(),
        help="generation date to record (YYYY-MM-DD, default: today)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="area-code class output file")
    parser.add_argument(
        "--zones-output", type=Path, default=ZONES_OUTPUT, help="area-code time-zone output file"
    )
    args = parser.parse_args()

    table = [UNASSIGNED] * 1000
    for npa in range(200, 1000):
        table[npa] = classify_npa(npa)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(table, args.date), encoding="utf-8")

    print(f"wrote {args.output}")
    for c, name in CLASS_NAMES.items():
        print(f"class {c} ({name}): {table[200:].count(c)} NPAs")

    zones, samples = zone_table(table)
    args.zones_output.parent.mkdir(parents=True, exist_ok=True)
    args.zones_output.write_text(render_zones(zones, samples, args.date), encoding="utf-8")
    print(f"wrote {args.zones_output}: {sum(1 for z in zones if z)} NPAs with a zone")


if __name__ == "__main__":
    main()
