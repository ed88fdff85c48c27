//! [`EntityType`]: every entity type Skyflow Detect knows, with its wire value.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

macro_rules! entity_types {
    ($($variant:ident => $wire:literal,)*) => {
        /// An entity type of Skyflow Detect: what to look for, how to tokenize it, and how
        /// to re-identify it. Every one of the 70 values Skyflow's Detect API accepts,
        /// including [`All`](EntityType::All).
        ///
        /// Requests send the lower-case wire value ([`as_str`](EntityType::as_str));
        /// responses name entity types in upper case, which [`FromStr`] also accepts.
        ///
        /// ```
        /// use skyflow_client::detect::EntityType;
        ///
        /// assert_eq!(EntityType::Ssn.as_str(), "ssn");
        /// assert_eq!("EMAIL_ADDRESS".parse::<EntityType>().unwrap(), EntityType::EmailAddress);
        /// assert_eq!(EntityType::ALL.len(), 70);
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EntityType {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
        }

        impl EntityType {
            /// Every entity type, in wire-value order.
            ///
            /// ```
            /// use skyflow_client::detect::EntityType;
            /// assert!(EntityType::ALL.contains(&EntityType::CreditCard));
            /// ```
            pub const ALL: &'static [EntityType] = &[$(EntityType::$variant,)*];

            /// The wire value, for example `"credit_card"`.
            ///
            /// ```
            /// assert_eq!(skyflow_client::detect::EntityType::CreditCard.as_str(), "credit_card");
            /// ```
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EntityType::$variant => $wire,)*
                }
            }

            fn from_lower(wire: &str) -> Option<EntityType> {
                match wire {
                    $($wire => Some(EntityType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

entity_types! {
    AccountNumber => "account_number",
    Age => "age",
    All => "all",
    BankAccount => "bank_account",
    BloodType => "blood_type",
    Condition => "condition",
    CorporateAction => "corporate_action",
    CreditCard => "credit_card",
    CreditCardExpiration => "credit_card_expiration",
    Cvv => "cvv",
    Date => "date",
    DateInterval => "date_interval",
    Day => "day",
    Dob => "dob",
    Dose => "dose",
    DriverLicense => "driver_license",
    Drug => "drug",
    Duration => "duration",
    Effect => "effect",
    EmailAddress => "email_address",
    Event => "event",
    Filename => "filename",
    FinancialMetric => "financial_metric",
    Gender => "gender",
    HealthcareNumber => "healthcare_number",
    Injury => "injury",
    IpAddress => "ip_address",
    Language => "language",
    Location => "location",
    LocationAddress => "location_address",
    LocationAddressStreet => "location_address_street",
    LocationCity => "location_city",
    LocationCoordinate => "location_coordinate",
    LocationCountry => "location_country",
    LocationState => "location_state",
    LocationZip => "location_zip",
    MaritalStatus => "marital_status",
    MedicalCode => "medical_code",
    MedicalProcess => "medical_process",
    Money => "money",
    Month => "month",
    Name => "name",
    NameFamily => "name_family",
    NameGiven => "name_given",
    NameMedicalProfessional => "name_medical_professional",
    NumericalPii => "numerical_pii",
    Occupation => "occupation",
    Organization => "organization",
    OrganizationId => "organization_id",
    OrganizationMedicalFacility => "organization_medical_facility",
    Origin => "origin",
    PassportNumber => "passport_number",
    Password => "password",
    PhoneNumber => "phone_number",
    PhysicalAttribute => "physical_attribute",
    PoliticalAffiliation => "political_affiliation",
    Product => "product",
    Project => "project",
    Religion => "religion",
    RoutingNumber => "routing_number",
    Sexuality => "sexuality",
    Ssn => "ssn",
    Statistics => "statistics",
    Time => "time",
    Trend => "trend",
    Url => "url",
    Username => "username",
    VehicleId => "vehicle_id",
    Year => "year",
    ZodiacSign => "zodiac_sign",
}

impl EntityType {
    /// Whether dates of this type can be shifted ([`DateShift`](super::DateShift)): only
    /// `date`, `date_interval` and `dob`.
    ///
    /// ```
    /// use skyflow_client::detect::EntityType;
    /// assert!(EntityType::Dob.is_date());
    /// assert!(!EntityType::Year.is_date());
    /// ```
    pub fn is_date(self) -> bool {
        matches!(
            self,
            EntityType::Date | EntityType::DateInterval | EntityType::Dob
        )
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityType {
    type Err = Error;

    /// Parses a wire value in lower case (`"ssn"`, as requests send it) or upper case
    /// (`"SSN"`, as responses name it).
    fn from_str(s: &str) -> Result<Self> {
        EntityType::from_lower(&s.to_ascii_lowercase()).ok_or_else(|| {
            Error::validation(
                "EntityType",
                "entity_type",
                format!("`{s}` is not a Skyflow Detect entity type"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_value_round_trips() {
        assert_eq!(EntityType::ALL.len(), 70);
        let mut seen = std::collections::BTreeSet::new();
        for entity in EntityType::ALL {
            assert!(seen.insert(entity.as_str()), "duplicate {entity}");
            assert_eq!(entity.as_str().parse::<EntityType>().unwrap(), *entity);
            assert_eq!(
                entity
                    .as_str()
                    .to_uppercase()
                    .parse::<EntityType>()
                    .unwrap(),
                *entity
            );
        }
        let err = "social".parse::<EntityType>().unwrap_err();
        assert!(err.is_validation());
        assert!(err.to_string().contains("social"));
    }
}
