//! Recognizer-level tests: positive and negative vectors per entity type, options, offsets.

use super::*;

fn find(text: &str, entities: Option<&[EntityType]>) -> Vec<(EntityType, String)> {
    let options = AnalyzeOptions {
        entities,
        context: None,
    };
    Engine::shared()
        .analyze(text, &options)
        .into_iter()
        .map(|f| (f.entity, text[f.start..f.end].to_string()))
        .collect()
}

fn found_as(text: &str, ty: EntityType) -> Vec<String> {
    find(text, Some(&[ty]))
        .into_iter()
        .filter(|(t, _)| *t == ty)
        .map(|(_, s)| s)
        .collect()
}

#[test]
fn every_wire_value_round_trips() {
    assert_eq!(EntityType::ALL.len(), 70);
    for &ty in EntityType::ALL {
        assert_eq!(EntityType::from_wire(ty.as_wire()), Some(ty));
        assert_eq!(ty.as_label(), ty.as_wire().to_ascii_uppercase());
        assert!(ty.is_within(EntityType::All));
    }
    let mut sorted: Vec<_> = EntityType::ALL.iter().map(|t| t.as_wire()).collect();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        EntityType::ALL
            .iter()
            .map(|t| t.as_wire())
            .collect::<Vec<_>>()
    );
}

#[test]
fn wire_values_match_the_vendored_openapi_enum() {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/openapi/detect.openapi.json"
    ))
    .unwrap();
    let values = doc["components"]["schemas"]["DeidentifyStringRequest"]["properties"]["entity_types"]["items"]["enum"]
        .as_array()
        .expect("entity enum in the Detect OpenAPI document");
    let mut wire: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
    wire.sort_unstable();
    let ours: Vec<&str> = EntityType::ALL.iter().map(|t| t.as_wire()).collect();
    assert_eq!(wire, ours);
}

#[test]
fn shipped_data_compiles_and_semantic_types_are_refused() {
    let engine = Engine::shared();
    for ty in [
        EntityType::Ssn,
        EntityType::CreditCard,
        EntityType::EmailAddress,
        EntityType::PhoneNumber,
        EntityType::IpAddress,
        EntityType::Url,
        EntityType::Date,
        EntityType::Dob,
        EntityType::All,
    ] {
        assert_eq!(engine.support(ty), Support::Supported, "{ty}");
    }
    for ty in [EntityType::Trend, EntityType::Event, EntityType::Occupation] {
        match engine.support(ty) {
            Support::Unsupported { reason } => {
                assert!(reason.contains("language model"), "{reason}")
            }
            Support::Supported => panic!("{ty} must be refused"),
        }
    }
    assert!(find("The trend is up 123-45-6789", Some(&[EntityType::Trend])).is_empty());
}

#[test]
fn ssn_vectors() {
    assert_eq!(
        found_as("My SSN is 123-45-6789.", EntityType::Ssn),
        ["123-45-6789"]
    );
    assert_eq!(
        found_as("ssn: 536 22 1234", EntityType::Ssn),
        ["536 22 1234"]
    );
    assert_eq!(
        found_as("social security number 536221234", EntityType::Ssn),
        ["536221234"]
    );
    for bad in validate::IMPOSSIBLE_SSNS {
        assert!(
            found_as(&format!("SSN {bad}"), EntityType::Ssn).is_empty(),
            "{bad}"
        );
    }
    assert!(
        found_as("order 536221234 shipped", EntityType::Ssn).is_empty(),
        "bare digits need context"
    );
    assert!(
        found_as("id 1123-45-67890", EntityType::Ssn).is_empty(),
        "inside a longer number"
    );
}

#[test]
fn credit_card_vectors() {
    assert_eq!(
        found_as("card 4111 1111 1111 1111 exp", EntityType::CreditCard),
        ["4111 1111 1111 1111"]
    );
    assert_eq!(
        found_as("4111-1111-1111-1111", EntityType::CreditCard),
        ["4111-1111-1111-1111"]
    );
    assert_eq!(
        found_as("amex 378282246310005", EntityType::CreditCard),
        ["378282246310005"]
    );
    assert!(
        found_as("card 4111 1111 1111 1112", EntityType::CreditCard).is_empty(),
        "Luhn"
    );
    assert!(
        found_as("4111-1111 1111-1111", EntityType::CreditCard).is_empty(),
        "mixed separators"
    );
}

#[test]
fn email_url_ip_vectors() {
    assert_eq!(
        found_as(
            "write to jane.o+tag@mail.example.co.uk today",
            EntityType::EmailAddress
        ),
        ["jane.o+tag@mail.example.co.uk"]
    );
    assert_eq!(
        find(
            "see https://example.com/a?b=1, or mail bob@example.org.",
            None
        ),
        [
            (EntityType::Url, "https://example.com/a?b=1".to_string()),
            (EntityType::EmailAddress, "bob@example.org".to_string())
        ]
    );
    assert_eq!(
        found_as("go to www.example.org/path.", EntityType::Url),
        ["www.example.org/path"]
    );
    assert_eq!(
        found_as("host 192.168.1.20 and 10.0.0.0/8", EntityType::IpAddress),
        ["192.168.1.20", "10.0.0.0/8"]
    );
    assert_eq!(
        found_as("v6 2001:db8::8a2e:370:7334 up", EntityType::IpAddress),
        ["2001:db8::8a2e:370:7334"]
    );
    assert!(
        found_as(
            "version 1.2.3.4.5 and 300.1.1.1 at 12:30:45",
            EntityType::IpAddress
        )
        .is_empty()
    );
}

#[test]
fn phone_vectors() {
    assert_eq!(
        found_as("call (415) 555-0132 now", EntityType::PhoneNumber),
        ["(415) 555-0132"]
    );
    assert_eq!(
        found_as("tel +1 415-555-0132", EntityType::PhoneNumber),
        ["+1 415-555-0132"]
    );
    assert_eq!(
        found_as("London +44 20 7946 0958.", EntityType::PhoneNumber),
        ["+44 20 7946 0958"]
    );
    assert_eq!(
        found_as("phone 4155550132", EntityType::PhoneNumber),
        ["4155550132"]
    );
    assert!(found_as("build 4155550132 passed", EntityType::PhoneNumber).is_empty());
    assert!(
        found_as("(015) 555-0132", EntityType::PhoneNumber).is_empty(),
        "no area code starts with 0"
    );
}

#[test]
fn date_and_dob_vectors() {
    assert_eq!(
        found_as("seen on 2024-02-29 and March 7, 1961", EntityType::Date),
        ["2024-02-29", "March 7, 1961"]
    );
    assert!(found_as("on 2023-02-29", EntityType::Date).is_empty());
    assert_eq!(
        find("DOB: 03/15/1961", None),
        [(EntityType::Dob, "03/15/1961".to_string())]
    );
    assert_eq!(found_as("born 7 Mar 1961", EntityType::Dob), ["7 Mar 1961"]);
    assert!(found_as("visit 03/15/2021", EntityType::Dob).is_empty());
}

#[test]
fn structured_context_raises_weak_patterns() {
    let engine = Engine::shared();
    let bare = AnalyzeOptions {
        entities: None,
        context: None,
    };
    assert!(engine.analyze("536221234", &bare).is_empty());
    let keyed = AnalyzeOptions {
        entities: None,
        context: Some("customer_ssn"),
    };
    let found = engine.analyze("536221234", &keyed);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entity, EntityType::Ssn);
}

#[test]
fn offsets_are_bytes_on_char_boundaries_and_sorted() {
    let text = "Zoë 🙂 écrit à zoë@example.com, ☎ (415) 555-0132, né le 2024-01-05 🙂";
    let findings = Engine::shared().analyze(text, &AnalyzeOptions::default());
    let spans: Vec<&str> = findings.iter().map(|f| &text[f.start..f.end]).collect();
    assert!(spans.contains(&"(415) 555-0132"), "{spans:?}");
    assert!(spans.contains(&"2024-01-05"), "{spans:?}");
    for w in findings.windows(2) {
        assert!(w[0].end <= w[1].start);
    }
    for f in &findings {
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        assert!((0.0..=1.0).contains(&f.score));
    }
}

#[test]
fn parents_are_reported_in_also_and_requests_expand_to_subtypes() {
    let text = "DOB 03/15/1961";
    let findings = Engine::shared().analyze(
        text,
        &AnalyzeOptions {
            entities: Some(&[EntityType::Date]),
            context: None,
        },
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].entity, EntityType::Dob);
    assert_eq!(findings[0].also, [(EntityType::Date, findings[0].score)]);
    let all = Engine::shared().analyze(
        text,
        &AnalyzeOptions {
            entities: Some(&[EntityType::All]),
            context: None,
        },
    );
    assert_eq!(all, findings);
}

#[test]
fn names_need_a_second_signal_when_they_are_common_words() {
    assert!(
        find(
            "May we suggest that the committee will long remember this.",
            None
        )
        .is_empty()
    );
    assert!(find("Will the new policy take effect in May?", None).is_empty());
    assert_eq!(
        found_as("Please ask Will Long to call back.", EntityType::Name),
        ["Will Long"]
    );
    assert_eq!(
        found_as("Mr. Long called twice.", EntityType::Name),
        ["Long"]
    );
    assert_eq!(
        found_as(
            "Yesterday Jennifer Gonzalez signed the lease.",
            EntityType::Name
        ),
        ["Jennifer Gonzalez"]
    );
    assert_eq!(
        found_as("Dear Zorbin Quistlewaite, thank you.", EntityType::Name),
        ["Zorbin Quistlewaite"]
    );
    assert!(
        find(
            "fn parse(input: &str) -> Result<Header, ParseError> { todo }",
            None
        )
        .is_empty()
    );
}

#[test]
fn name_parts_are_reported_when_only_parts_are_requested() {
    let text = "Patient Jennifer Gonzalez was seen today.";
    assert_eq!(
        find(text, Some(&[EntityType::NameGiven, EntityType::NameFamily])),
        [
            (EntityType::NameGiven, "Jennifer".to_string()),
            (EntityType::NameFamily, "Gonzalez".to_string())
        ]
    );
    assert_eq!(
        find(text, Some(&[EntityType::Name])),
        [(EntityType::Name, "Jennifer Gonzalez".to_string())]
    );
    let doctor = find("Seen by Dr. Maria Lopez, MD today.", None);
    assert_eq!(
        doctor,
        [(
            EntityType::NameMedicalProfessional,
            "Maria Lopez".to_string()
        )]
    );
}

#[test]
fn addresses_and_their_parts() {
    let text = "Ship to 1600 Pennsylvania Ave NW, Apt 4B, Washington, DC 20500 today.";
    assert_eq!(
        find(text, None),
        [(
            EntityType::LocationAddress,
            "1600 Pennsylvania Ave NW, Apt 4B, Washington, DC 20500".to_string()
        )]
    );
    assert_eq!(
        find(
            text,
            Some(&[EntityType::LocationAddressStreet, EntityType::LocationZip])
        ),
        [
            (
                EntityType::LocationAddressStreet,
                "1600 Pennsylvania Ave NW, Apt 4B".to_string()
            ),
            (EntityType::LocationZip, "20500".to_string())
        ]
    );
    let findings = Engine::shared().analyze(text, &AnalyzeOptions::default());
    assert_eq!(
        findings[0].also,
        [(EntityType::Location, findings[0].score)]
    );
    assert_eq!(
        found_as(
            "Mail it to P.O. Box 1234 please",
            EntityType::LocationAddress
        ),
        ["P.O. Box 1234"]
    );
}

#[test]
fn places_and_organisations() {
    assert_eq!(
        find("She moved from Chicago to Texas, then to Canada.", None),
        [
            (EntityType::LocationCity, "Chicago".to_string()),
            (EntityType::LocationState, "Texas".to_string()),
            (EntityType::LocationCountry, "Canada".to_string())
        ]
    );
    assert_eq!(
        found_as("I live in Quarrytown now", EntityType::LocationCity),
        ["Quarrytown"]
    );
    assert_eq!(
        found_as(
            "offices in Brindleford, OH since 2001",
            EntityType::LocationCity
        ),
        ["Brindleford"]
    );
    assert_eq!(
        found_as(
            "She works for Quistly Logistics LLC in sales.",
            EntityType::Organization
        ),
        ["Quistly Logistics LLC"]
    );
    assert_eq!(
        found_as(
            "admitted to Riverside General Hospital",
            EntityType::OrganizationMedicalFacility
        ),
        ["Riverside General Hospital"]
    );
    assert_eq!(
        found_as("zip code 94103", EntityType::LocationZip),
        ["94103"]
    );
    assert!(found_as("we shipped 94103 units", EntityType::LocationZip).is_empty());
}

#[test]
fn checksummed_identifiers() {
    assert_eq!(
        found_as(
            "IBAN GB82 WEST 1234 5698 7654 32 ok",
            EntityType::BankAccount
        ),
        ["GB82 WEST 1234 5698 7654 32"]
    );
    assert!(
        found_as(
            "IBAN GB82 WEST 1234 5698 7654 33 ok",
            EntityType::BankAccount
        )
        .is_empty()
    );
    assert_eq!(
        found_as("routing number 021000021", EntityType::RoutingNumber),
        ["021000021"]
    );
    assert!(found_as("routing number 021000022", EntityType::RoutingNumber).is_empty());
    assert_eq!(
        found_as("VIN 1M8GDM9AXKP042788", EntityType::VehicleId),
        ["1M8GDM9AXKP042788"]
    );
    assert!(found_as("VIN 1M8GDM9A1KP042788", EntityType::VehicleId).is_empty());
    assert_eq!(
        found_as("provider NPI 1234567893", EntityType::HealthcareNumber),
        ["1234567893"]
    );
    assert_eq!(
        found_as("Medicare MBI 1EG4-TE5-MK73", EntityType::HealthcareNumber),
        ["1EG4-TE5-MK73"]
    );
    assert_eq!(
        found_as("checking account 12345678", EntityType::BankAccount),
        ["12345678"]
    );
}

#[test]
fn context_gated_types() {
    assert_eq!(found_as("CVV 123", EntityType::Cvv), ["123"]);
    assert!(found_as("room 123", EntityType::Cvv).is_empty());
    assert_eq!(
        found_as("exp 09/27", EntityType::CreditCardExpiration),
        ["09/27"]
    );
    assert_eq!(
        found_as("passport number X12345678", EntityType::PassportNumber),
        ["X12345678"]
    );
    assert_eq!(
        found_as("driver's license D1234567", EntityType::DriverLicense),
        ["D1234567"]
    );
    assert_eq!(
        found_as("policy number POL-12345678", EntityType::AccountNumber),
        ["POL-12345678"]
    );
    assert_eq!(
        found_as("EIN 12-3456789", EntityType::OrganizationId),
        ["12-3456789"]
    );
    assert_eq!(
        found_as("device MAC 00:1A:2B:3C:4D:5E", EntityType::NumericalPii),
        ["00:1A:2B:3C:4D:5E"]
    );
    assert_eq!(
        found_as("a 45-year-old man, aged 45", EntityType::Age),
        ["45", "45"]
    );
    assert_eq!(
        found_as("call me at 3:45 PM or 10:30", EntityType::Time),
        ["3:45 PM", "10:30"]
    );
    assert!(
        found_as("2025-03-05T12:30:45.123Z INFO started", EntityType::Date).is_empty(),
        "machine timestamps are not personal dates"
    );
}

#[test]
fn a_narrower_request_reports_a_subset_of_the_full_analysis() {
    let text = "Dr. Maria Lopez saw Jennifer Gonzalez (DOB 03/15/1961, SSN 536-22-1234) at 12 Oak Lane, \
                Springfield, IL 62704; card 4111 1111 1111 1111, call (415) 555-0132, Quistly Logistics LLC.";
    let engine = Engine::shared();
    let all = engine.analyze(text, &AnalyzeOptions::default());
    assert!(all.len() >= 8, "{all:?}");
    for &ty in EntityType::ALL {
        let only = engine.analyze(
            text,
            &AnalyzeOptions {
                entities: Some(&[ty]),
                context: None,
            },
        );
        for f in &only {
            let inside = all.iter().any(|g| g.start <= f.start && f.end <= g.end);
            assert!(
                inside,
                "{ty}: {f:?} is not within the full analysis {all:?}"
            );
            assert!(f.entity.is_within(ty));
        }
    }
}
