//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use proptest::prelude::*;

fn code(input: &str) -> &'static str {
    E164::parse(input).unwrap_err().code()
}

#[test]
fn n1_accepts_every_common_written_form() {
    for input in [
        "(650) 253-0000",
        "650.253.0000",
        "+1 650 253 0000",
        "1-650-253-0000",
        "6502530000",
        "16502530000",
        "+16502530000",
        "+1 (650) 253-0000",
        "650/253-0000",
        "  650 253 0000  ",
        "011 1 650 253 0000",
        "650\u{00A0}253\u{2013}0000",
        "\u{FEFF}+1\u{2011}650\u{2011}253\u{2011}0000",
    ] {
        let n = E164::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(n.to_string(), "+16502530000", "{input:?}");
    }
}

#[test]
fn n2_reports_region_from_area_code() {
    assert_eq!(E164::parse("650 253 0000").unwrap().region(), Region::US);
    assert_eq!(E164::parse("416 555 1234").unwrap().region(), Region::CA);
    assert_eq!(E164::parse("604 555 1234").unwrap().region(), Region::CA);
    assert_eq!(E164::parse("212 555 1234").unwrap().region(), Region::US);
    assert_eq!(
        E164::parse("800 555 1234").unwrap().region(),
        Region::TollFree
    );
}

#[test]
fn n2_refusal_empty() {
    assert_eq!(code(""), "empty");
    assert_eq!(code("   \t "), "empty");
}

#[test]
fn n2_refusal_not_a_number() {
    for input in [
        "abc",
        "650-CALL-NOW",
        "650 253 0000 x12",
        "+",
        "()",
        "6502530000!",
        "1+6502530000",
    ] {
        assert_eq!(code(input), "not_a_number", "{input:?}");
    }
}

#[test]
fn n2_refusal_too_short_and_too_long() {
    assert_eq!(code("253-0000"), "too_short");
    assert_eq!(code("+1 650 253 000"), "too_short");
    assert_eq!(code("650 253 00000"), "too_long");
    assert_eq!(code("+1 650 253 00000"), "too_long");
    assert_eq!(code(&"5".repeat(200)), "too_long");
    assert!(matches!(
        E164::parse("253-0000"),
        Err(PhoneError::TooShort { digits: 7 })
    ));
}

#[test]
fn n2_refusal_not_north_american() {
    assert_eq!(code("+44 20 7946 0958"), "not_north_american");
    assert_eq!(code("+33 1 23 45 67 89"), "not_north_american");
    assert_eq!(code("011 44 20 7946 0958"), "not_north_american");
}

#[test]
fn n2_refusal_other_nanp_country() {
    // Jamaica, the Bahamas, Puerto Rico (a US territory, not a state)
    for input in ["+1 876 555 1234", "242 555 1234", "787 555 1234"] {
        assert_eq!(code(input), "not_us_or_canada", "{input:?}");
    }
}

#[test]
fn n2_refusal_invalid_area_code() {
    for input in [
        "050 253 0000",
        "150 253 0000",
        "411 253 0000",
        "911 253 0000",
        "290 253 0000",
    ] {
        assert_eq!(code(input), "invalid_area_code", "{input:?}");
    }
}

#[test]
fn n2_refusal_unassigned_area_code() {
    // Well-formed but not in service anywhere.
    assert_eq!(code("999 253 0000"), "invalid_area_code");
    assert_eq!(code("222 253 0000"), "unassigned_area_code");
    assert_eq!(code("333 253 0000"), "unassigned_area_code");
}

#[test]
fn n2_refusal_non_geographic() {
    assert_eq!(code("900 253 0000"), "non_geographic_number");
}

#[test]
fn n2_refusal_invalid_exchange() {
    for input in [
        "650 053 0000",
        "650 153 0000",
        "650 911 0000",
        "650 411 1234",
    ] {
        assert_eq!(code(input), "invalid_exchange", "{input:?}");
    }
}

#[test]
fn n2_refusal_fictional() {
    assert_eq!(code("650 555 0100"), "fictional_number");
    assert_eq!(code("650 555 0199"), "fictional_number");
    assert!(E164::parse("650 555 0200").is_ok());
    assert!(E164::parse("650 555 1212").is_ok());
}

#[test]
fn every_error_code_is_listed_and_has_a_message() {
    let samples = [
        "",
        "abc",
        "253-0000",
        "650 253 00000",
        "+44 20 7946 0958",
        "876 555 1234",
        "150 253 0000",
        "222 253 0000",
        "900 253 0000",
        "650 053 0000",
        "650 555 0100",
    ];
    let mut seen = Vec::new();
    for s in samples {
        let e = E164::parse(s).unwrap_err();
        assert!(PhoneError::CODES.contains(&e.code()));
        assert!(e.to_string().len() > 20);
        seen.push(e.code());
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), PhoneError::CODES.len());
}

#[test]
fn generated_table_agrees_with_libphonenumber_canada_list() {
    let ca = [
        204, 226, 236, 249, 250, 257, 263, 289, 306, 343, 354, 365, 367, 368, 382, 403, 416, 418,
        428, 431, 437, 438, 450, 468, 474, 506, 514, 519, 548, 579, 581, 584, 587, 604, 613, 639,
        647, 672, 683, 705, 709, 742, 753, 778, 780, 782, 807, 819, 825, 867, 873, 879, 902, 905,
        942,
    ];
    for npa in ca {
        assert_eq!(area_code_class(npa), AreaCodeClass::Ca, "{npa}");
    }
    for npa in [800, 833, 844, 855, 866, 877, 888] {
        assert_eq!(area_code_class(npa), AreaCodeClass::TollFree, "{npa}");
    }
    assert!(AREA_CODE_SOURCE.0.starts_with("phonenumbers"));
}

#[test]
fn debug_redacts_but_display_and_serde_do_not() {
    let n = E164::parse("650 253 0042").unwrap();
    let dbg = format!("{n:?}");
    assert!(!dbg.contains("650"), "{dbg}");
    assert!(!dbg.contains("253"), "{dbg}");
    assert!(dbg.ends_with("42)"), "{dbg}");
    assert_eq!(n.to_string(), "+16502530042");
    assert_eq!(n.national_format(), "(650) 253-0042");
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(json, "\"+16502530042\"");
    let back: E164 = serde_json::from_str(&json).unwrap();
    assert_eq!(back, n);
    let bad = serde_json::from_str::<E164>("\"+44 20 7946 0958\"").unwrap_err();
    assert!(bad.to_string().contains("not_north_american"));
}

#[test]
fn parts_of_a_number() {
    let n = E164::parse("+1 416 253 0987").unwrap();
    assert_eq!((n.area_code(), n.exchange(), n.line()), (416, 253, 987));
    assert_eq!(n.national(), 4_162_530_987);
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC*") {
        let _ = E164::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_digit_soup(s in "[0-9 +().\\-]{0,40}") {
        let _ = E164::parse(&s);
    }

    #[test]
    fn parse_format_parse_roundtrips(npa in 200u16..1000, nxx in 200u16..1000, line in 0u16..10000) {
        let written = format!("({npa:03}) {nxx:03}-{line:04}");
        if let Ok(n) = E164::parse(&written) {
            prop_assert_eq!(E164::parse(&n.to_string()), Ok(n));
            prop_assert_eq!(E164::parse(&n.national_format()), Ok(n));
            prop_assert_eq!((n.area_code(), n.exchange(), n.line()), (npa, nxx, line));
        }
    }

    #[test]
    fn display_writes_plus_one_and_the_ten_national_digits(d in "[2-9][0-9]{9}") {
        if let Ok(n) = E164::parse(&d) {
            prop_assert_eq!(n.to_string(), format!("+1{:010}", n.national()));
            prop_assert_eq!(n.to_string(), format!("+1{d}"));
        }
    }

    #[test]
    fn accepted_numbers_are_geographic_us_ca_or_toll_free(d in "[2-9][0-9]{9}") {
        if let Ok(n) = E164::parse(&d) {
            let class = area_code_class(n.area_code());
            prop_assert!(matches!(class, AreaCodeClass::Us | AreaCodeClass::Ca | AreaCodeClass::TollFree));
            prop_assert!(n.exchange() >= 200);
        }
    }
}
