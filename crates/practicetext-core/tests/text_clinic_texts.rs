//! SPEC P1-P6 false positives: everyday texts of medical, dental, pharmacy
//! and veterinary practices must pass the content check untouched, in a
//! conversation and as a mass alert, while the same texts with a problem
//! added are caught.

use practicetext_core::text::{ComplianceChecker, ContentPolicy, Mode, Verdict};

fn checker() -> ComplianceChecker {
    ComplianceChecker::new(
        &ContentPolicy::default().with_own_domains(["happypaws.example", "smilesdental.example"]),
    )
    .unwrap()
}

const EVERYDAY: &[&str] = &[
    "Your pet's vaccines are due. Call us at 555-0142 to book.",
    "Happy Paws Vet: Bella is due for her rabies and DHPP boosters. Book online at happypaws.example/book or call 555-0142. Reply STOP to opt out.",
    "Reminder: Max has a dental cleaning tomorrow at 10:30 a.m. Please don't feed him after midnight.",
    "Your prescription refill is ready for pickup at Main St Pharmacy.",
    "Your order is ready for pickup. We're open until 7 p.m.",
    "Hi Cbdorsey, this is Dr. McBride's office confirming your visit on Tue 3/12 at 2pm. Reply YES to confirm or call to reschedule.",
    "We are scanning Luna's microchip records; no action needed.",
    "The cone is hemmed at the edge so it won't scratch. Call with questions.",
    "Weeding the garden? Keep pets away from fertilizer and slug bait.",
    "Feel free to call us with any questions about Bella's recovery.",
    "Special instructions: give Max his gabapentin 1 hour before the visit.",
    "Your Apoquel prescription is ready. Give with food once daily.",
    "Max's Heartgard refill is ready for pickup at the front desk.",
    "Lab results are in. Dr. Patel will call you today between 1 and 3 pm.",
    "Smiles Dental: your cleaning is on Monday at 9:00. Forms: https://smilesdental.example/forms",
    "Please complete your intake form before your visit: smilesdental.example/intake?id=123",
    "Thanks for visiting Happy Paws! Rate us: https://www.happypaws.example/review",
    "Your copay for today is $25.00. Pay at the front desk or online.",
    "Save the date: our clinic is closed on Nov 27 for Thanksgiving.",
    "Questions? Email frontdesk@happypaws.example or call (650) 253-0000.",
    "Dr. Smith is running 15 min late; we apologize for the wait.",
    "Bella's thyroid panel (T4) came back normal. See you at her recheck in 6 months.",
    "Post-op care: keep the incision dry, e.g. no baths for 10 days.",
    "Your flu shot appointment is confirmed for Fri 10/4 at 11:15am.",
    "Reply 1 to confirm, 2 to reschedule.",
    "Our new hours start Monday: 8am-6pm weekdays, 9am-1pm Saturdays.",
    "Parking is available behind the building on 4th St.",
    "We received your records from the previous clinic. Thank you!",
    "Pharmacy update: your insurance approved the prior authorization.",
    "Reminder: fasting labs tomorrow. Water is OK.",
    "Congrats on Max's graduation from puppy class!",
    "Please bring a stool sample to Luna's wellness exam.",
    "The doctor wants to see Rocky again in 2 weeks for a recheck.",
    "Visit happypaws.example/faq for answers about anesthesia.",
    "Hi! Just a reminder that Oliver is due for his annual exam and vaccines.",
    "Happy Paws Vet: Bella’s rabies booster is due — book at happypaws.example/book 🐶",
    "Vaccination reminder for Coco: DHPP, Bordetella and Leptospirosis.",
    "Call 911 for emergencies. For after-hours urgent care call 555-0199.",
    "OK, see you at 3!",
    "Dr. Nguyen: your X-ray shows healing is on track.",
];

#[test]
fn p6_everyday_clinic_texts_pass_in_conversation_and_broadcast() {
    let c = checker();
    for text in EVERYDAY {
        for mode in [Mode::Conversation, Mode::Broadcast] {
            let r = c.check(text, mode);
            assert_eq!(
                r.verdict,
                Verdict::Ok,
                "{mode:?} {text:?}: {:?}",
                r.findings
            );
        }
    }
}

#[test]
fn p1_p2_p3_the_same_texts_with_a_problem_are_caught() {
    let c = checker();
    let additions = [
        (" Details: bit.ly/3xYz", "url_shortener"),
        (" Ask about our C.B.D chews.", "cannabis"),
        (" Use promo code SPRING for 20% off!", "promotional"),
        (" Pay at http://203.0.113.9/pay", "raw_ip_link"),
    ];
    for text in EVERYDAY {
        for (extra, code) in additions {
            let t = format!("{text}{extra}");
            let r = c.check(&t, Mode::Conversation);
            assert!(
                r.findings.iter().any(|f| f.code == code),
                "{t:?}: {:?}",
                r.findings
            );
            assert_ne!(r.verdict, Verdict::Ok, "{t:?}");
        }
    }
}
