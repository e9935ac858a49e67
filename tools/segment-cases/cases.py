"""The texts of crates/practicetext-core/tests/fixtures/segment_cases.jsonl.

Prints one {"name", "text"} object per line; oracle.js adds what Twilio's
message-segment-calculator says about each (see README.md).
"""
import json

cases = []


def case(name, text):
    cases.append({"name": name, "text": text})


a = lambda n: "a" * n

# GSM-7 lengths around the single-segment and concatenated boundaries.
case("empty", "")
case("one letter", "a")
for n in [70, 153, 159, 160, 161, 162, 305, 306, 307, 458, 459, 460, 1530, 1531]:
    case(f"gsm {n} letters", a(n))

# Every extension character at the boundaries: it costs 2 septets and an
# escape pair is never split across segments.
EXT = ["^", "{", "}", "\\", "[", "~", "]", "|", "€", "\f"]
for e in EXT:
    n = f"U+{ord(e):04X}"
    case(f"ext {n} ends at 160", a(158) + e)
    case(f"ext {n} makes 161", a(159) + e)
    case(f"ext {n} would straddle 153", a(152) + e + a(10))
    case(f"ext {n} fills 153 exactly", a(151) + e + a(10))
case("80 euro signs", "€" * 80)
case("81 euro signs", "€" * 81)
case("ext at end of 306", a(304) + "{")
case("ext straddles second boundary", a(305) + "}" + a(5))

# Basic-table characters outside ASCII.
case("greek capitals 160", "ΔΦΓΛΩΠΨΣΘΞ" * 16)
case("latin-1 gsm 156", ("éèùìòÇØøÅåÆæßÉÄÖÑÜäöñüà¡¿£¥§¤") * 5 + "a" * 11)
case("at and dollar", "@$_" * 54)

# Line breaks: CR LF counts as two characters.
case("crlf pairs 160", "\r\n" * 80)
case("crlf pairs 162", "\r\n" * 81)
case("lf and crlf", "Line one\nLine two\r\nLine three")

# ASCII that is not GSM-7.
case("backtick", "Don`t forget")
case("tab", "Name:\tBella")
case("backtick at 70", a(69) + "`")
case("backtick at 71", a(70) + "`")

# UCS-2 lengths around 70 / 67.
for n in [69, 70, 71, 133, 134, 135, 201, 202]:
    case(f"ucs2 {n} units", "ç" + a(n - 1))
case("ucs2 curly quote reminder", "Bella’s rabies shot is due Tuesday. Reply YES to confirm.")
case("ucs2 em dash", "See you soon — Happy Paws")
case("chinese 70", "你好" * 35)
case("chinese 71", "你好" * 35 + "好")
case("chinese 134", "你好" * 67)
case("chinese 135", "你好" * 67 + "你")

# Surrogate pairs (emoji outside the BMP) are 2 units and never split.
for n in [1, 34, 35, 36, 66, 67, 68]:
    case(f"{n} grinning faces", "😀" * n)
case("pair fits at 70", "ç" + a(67) + "😀")
case("pair would straddle 70", "ç" + a(68) + "😀")
case("pair straddles 67", "ç" + a(65) + "😀" + a(10))
case("pair fits 67 exactly", "ç" + a(64) + "😀" + a(10))
case("pair after 66 units", "ç" + a(65) + "😀😀" + a(60))

# Flags (regional-indicator pairs, 4 units each).
case("one flag", "🇨🇦")
case("17 flags", "🇨🇦" * 17)
case("18 flags", "🇨🇦" * 18)
case("flag straddles 67", "ç" + a(64) + "🇺🇸" + a(5))
case("flags mixed", "Open 🇺🇸 and 🇨🇦 clinics")

# ZWJ sequences and modifiers.
FAMILY = "👨\u200d👩\u200d👧\u200d👦"
case("family once", FAMILY)
case("family 6 times", FAMILY * 6)
case("family 7 times", FAMILY * 7)
case("family straddles 67", "ç" + a(60) + FAMILY + a(5))
case("thumbs up skin tone", "👍🏽")
case("thumbs up skin tone straddles", "ç" + a(64) + "👍🏽" + a(3))
case("woman health worker", "👩\u200d⚕️ Dr. Lee is in today")
case("keycap one", "Reply 1\ufe0f\u20e3 to confirm")
case("heart with variation selector", "Thanks ❤️")
case("dog and cat", "🐶🐱 Happy Paws")
case("rainbow flag", "🏳️\u200d🌈 Pride week")

# Combining marks form one character with their base.
case("decomposed e acute", "Cafe\u0301")
case("35 decomposed", "e\u0301" * 35)
case("36 decomposed", "e\u0301" * 36)
case("decomposed straddles 67", "ç" + a(65) + "e\u0301" + a(3))
case("stacked marks", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334 hi")
case("devanagari", "नमस्ते Bella")
case("hangul", "안녕하세요 Bella")

# Invisible characters force UCS-2 too.
case("zero-width space", "Hi\u200bthere")
case("no-break space", "Dr.\u00a0Lee")
case("soft hyphen", "vacci\u00adnation")
case("bom", "\ufeffHello")

# Everyday clinic texts.
case("reminder gsm", "Happy Paws Vet: Bella is due for her rabies and DHPP boosters. Book online at happypaws.example/book or call 555-0142. Reply STOP to opt out.")
case("refill ready gsm", "Your prescription refill for Max is ready for pickup at Main St Pharmacy. Questions? Call (650) 253-0000.")
case("long gsm 2 segments", "Reminder: " + "Your pet's annual exam is coming up. " * 5)
case("long ucs2 3 segments", "Reminder 🐾 " + "Your pet’s annual exam is coming up. " * 4)
case("gsm brackets and braces", "Code {A1} [x] ~ok~ | total €20 ^_^ \\o/")

for c in cases:
    print(json.dumps(c, ensure_ascii=False))
