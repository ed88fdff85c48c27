//! [`EntityType`]: every entity type of Skyflow's Detect API, with its wire spelling and its place
//! in the type hierarchy.

/// Every entity type of Skyflow's Detect API entity enum, including the wildcard [`EntityType::All`].
///
/// Requests name types in lower case ([`EntityType::as_wire`]); responses label findings in upper
/// case ([`EntityType::as_label`]).
///
/// ```
/// use skyflow_emulator::detect::engine::EntityType;
///
/// let ty = EntityType::from_wire("name_given").unwrap();
/// assert_eq!(ty, EntityType::NameGiven);
/// assert_eq!(ty.as_wire(), "name_given");
/// assert_eq!(ty.parent(), Some(EntityType::Name));
/// assert_eq!(EntityType::ALL.len(), 70);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    /// An account or policy number other than a bank account. Wire value `account_number`.
    AccountNumber,
    /// A person's age. Wire value `age`.
    Age,
    /// The wildcard meaning every entity type; never the label of a finding. Wire value `all`.
    All,
    /// A bank account number or IBAN. Wire value `bank_account`.
    BankAccount,
    /// A blood group such as `AB+`. Wire value `blood_type`.
    BloodType,
    /// A medical condition. Wire value `condition`.
    Condition,
    /// A corporate action (merger, acquisition). Wire value `corporate_action`.
    CorporateAction,
    /// A payment card number. Wire value `credit_card`.
    CreditCard,
    /// A payment card's expiry date. Wire value `credit_card_expiration`.
    CreditCardExpiration,
    /// A card verification value. Wire value `cvv`.
    Cvv,
    /// A calendar date. Wire value `date`.
    Date,
    /// A range of dates. Wire value `date_interval`.
    DateInterval,
    /// A day of the week or of a month. Wire value `day`.
    Day,
    /// A date of birth. Wire value `dob`.
    Dob,
    /// A medication dose. Wire value `dose`.
    Dose,
    /// A driver's licence number. Wire value `driver_license`.
    DriverLicense,
    /// A medication name. Wire value `drug`.
    Drug,
    /// A length of time. Wire value `duration`.
    Duration,
    /// An effect (semantic; not detected locally). Wire value `effect`.
    Effect,
    /// An email address. Wire value `email_address`.
    EmailAddress,
    /// A named event. Wire value `event`.
    Event,
    /// A file name or path. Wire value `filename`.
    Filename,
    /// A financial metric. Wire value `financial_metric`.
    FinancialMetric,
    /// A gender. Wire value `gender`.
    Gender,
    /// A health plan, medical record or provider number. Wire value `healthcare_number`.
    HealthcareNumber,
    /// An injury. Wire value `injury`.
    Injury,
    /// An IPv4 or IPv6 address. Wire value `ip_address`.
    IpAddress,
    /// A language name. Wire value `language`.
    Language,
    /// Any location; parent of the `location_*` types. Wire value `location`.
    Location,
    /// A full street address. Wire value `location_address`.
    LocationAddress,
    /// The street part of an address. Wire value `location_address_street`.
    LocationAddressStreet,
    /// A city or town. Wire value `location_city`.
    LocationCity,
    /// A latitude/longitude pair. Wire value `location_coordinate`.
    LocationCoordinate,
    /// A country. Wire value `location_country`.
    LocationCountry,
    /// A state or province. Wire value `location_state`.
    LocationState,
    /// A postal or ZIP code. Wire value `location_zip`.
    LocationZip,
    /// A marital status. Wire value `marital_status`.
    MaritalStatus,
    /// A medical code such as ICD-10. Wire value `medical_code`.
    MedicalCode,
    /// A medical procedure. Wire value `medical_process`.
    MedicalProcess,
    /// An amount of money. Wire value `money`.
    Money,
    /// A month name. Wire value `month`.
    Month,
    /// A person's name; parent of `name_given`, `name_family` and `name_medical_professional`. Wire value `name`.
    Name,
    /// A family name. Wire value `name_family`.
    NameFamily,
    /// A given name. Wire value `name_given`.
    NameGiven,
    /// The name of a doctor, nurse or other clinician. Wire value `name_medical_professional`.
    NameMedicalProfessional,
    /// Another personal number (MAC address, IMEI, UUID). Wire value `numerical_pii`.
    NumericalPii,
    /// An occupation. Wire value `occupation`.
    Occupation,
    /// An organisation's name. Wire value `organization`.
    Organization,
    /// An organisation identifier such as an EIN. Wire value `organization_id`.
    OrganizationId,
    /// A hospital, clinic or other medical facility. Wire value `organization_medical_facility`.
    OrganizationMedicalFacility,
    /// A nationality or ethnic origin. Wire value `origin`.
    Origin,
    /// A passport number. Wire value `passport_number`.
    PassportNumber,
    /// A password. Wire value `password`.
    Password,
    /// A telephone number. Wire value `phone_number`.
    PhoneNumber,
    /// A physical attribute. Wire value `physical_attribute`.
    PhysicalAttribute,
    /// A political affiliation. Wire value `political_affiliation`.
    PoliticalAffiliation,
    /// A product name. Wire value `product`.
    Product,
    /// A project name. Wire value `project`.
    Project,
    /// A religion. Wire value `religion`.
    Religion,
    /// A bank routing (ABA) number. Wire value `routing_number`.
    RoutingNumber,
    /// A sexual orientation. Wire value `sexuality`.
    Sexuality,
    /// A US Social Security number. Wire value `ssn`.
    Ssn,
    /// A statistic. Wire value `statistics`.
    Statistics,
    /// A time of day. Wire value `time`.
    Time,
    /// A trend. Wire value `trend`.
    Trend,
    /// A URL or web address. Wire value `url`.
    Url,
    /// A user name or handle. Wire value `username`.
    Username,
    /// A vehicle identification number (VIN). Wire value `vehicle_id`.
    VehicleId,
    /// A year. Wire value `year`.
    Year,
    /// A zodiac sign. Wire value `zodiac_sign`.
    ZodiacSign,
}

impl EntityType {
    /// Every entity type, in the order of their wire values (alphabetical).
    pub const ALL: &'static [EntityType] = &[
        EntityType::AccountNumber,
        EntityType::Age,
        EntityType::All,
        EntityType::BankAccount,
        EntityType::BloodType,
        EntityType::Condition,
        EntityType::CorporateAction,
        EntityType::CreditCard,
        EntityType::CreditCardExpiration,
        EntityType::Cvv,
        EntityType::Date,
        EntityType::DateInterval,
        EntityType::Day,
        EntityType::Dob,
        EntityType::Dose,
        EntityType::DriverLicense,
        EntityType::Drug,
        EntityType::Duration,
        EntityType::Effect,
        EntityType::EmailAddress,
        EntityType::Event,
        EntityType::Filename,
        EntityType::FinancialMetric,
        EntityType::Gender,
        EntityType::HealthcareNumber,
        EntityType::Injury,
        EntityType::IpAddress,
        EntityType::Language,
        EntityType::Location,
        EntityType::LocationAddress,
        EntityType::LocationAddressStreet,
        EntityType::LocationCity,
        EntityType::LocationCoordinate,
        EntityType::LocationCountry,
        EntityType::LocationState,
        EntityType::LocationZip,
        EntityType::MaritalStatus,
        EntityType::MedicalCode,
        EntityType::MedicalProcess,
        EntityType::Money,
        EntityType::Month,
        EntityType::Name,
        EntityType::NameFamily,
        EntityType::NameGiven,
        EntityType::NameMedicalProfessional,
        EntityType::NumericalPii,
        EntityType::Occupation,
        EntityType::Organization,
        EntityType::OrganizationId,
        EntityType::OrganizationMedicalFacility,
        EntityType::Origin,
        EntityType::PassportNumber,
        EntityType::Password,
        EntityType::PhoneNumber,
        EntityType::PhysicalAttribute,
        EntityType::PoliticalAffiliation,
        EntityType::Product,
        EntityType::Project,
        EntityType::Religion,
        EntityType::RoutingNumber,
        EntityType::Sexuality,
        EntityType::Ssn,
        EntityType::Statistics,
        EntityType::Time,
        EntityType::Trend,
        EntityType::Url,
        EntityType::Username,
        EntityType::VehicleId,
        EntityType::Year,
        EntityType::ZodiacSign,
    ];

    /// The wire spelling used in requests, e.g. `"account_number"`.
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::EntityType;
    /// assert_eq!(EntityType::CreditCardExpiration.as_wire(), "credit_card_expiration");
    /// ```
    pub fn as_wire(self) -> &'static str {
        match self {
            EntityType::AccountNumber => "account_number",
            EntityType::Age => "age",
            EntityType::All => "all",
            EntityType::BankAccount => "bank_account",
            EntityType::BloodType => "blood_type",
            EntityType::Condition => "condition",
            EntityType::CorporateAction => "corporate_action",
            EntityType::CreditCard => "credit_card",
            EntityType::CreditCardExpiration => "credit_card_expiration",
            EntityType::Cvv => "cvv",
            EntityType::Date => "date",
            EntityType::DateInterval => "date_interval",
            EntityType::Day => "day",
            EntityType::Dob => "dob",
            EntityType::Dose => "dose",
            EntityType::DriverLicense => "driver_license",
            EntityType::Drug => "drug",
            EntityType::Duration => "duration",
            EntityType::Effect => "effect",
            EntityType::EmailAddress => "email_address",
            EntityType::Event => "event",
            EntityType::Filename => "filename",
            EntityType::FinancialMetric => "financial_metric",
            EntityType::Gender => "gender",
            EntityType::HealthcareNumber => "healthcare_number",
            EntityType::Injury => "injury",
            EntityType::IpAddress => "ip_address",
            EntityType::Language => "language",
            EntityType::Location => "location",
            EntityType::LocationAddress => "location_address",
            EntityType::LocationAddressStreet => "location_address_street",
            EntityType::LocationCity => "location_city",
            EntityType::LocationCoordinate => "location_coordinate",
            EntityType::LocationCountry => "location_country",
            EntityType::LocationState => "location_state",
            EntityType::LocationZip => "location_zip",
            EntityType::MaritalStatus => "marital_status",
            EntityType::MedicalCode => "medical_code",
            EntityType::MedicalProcess => "medical_process",
            EntityType::Money => "money",
            EntityType::Month => "month",
            EntityType::Name => "name",
            EntityType::NameFamily => "name_family",
            EntityType::NameGiven => "name_given",
            EntityType::NameMedicalProfessional => "name_medical_professional",
            EntityType::NumericalPii => "numerical_pii",
            EntityType::Occupation => "occupation",
            EntityType::Organization => "organization",
            EntityType::OrganizationId => "organization_id",
            EntityType::OrganizationMedicalFacility => "organization_medical_facility",
            EntityType::Origin => "origin",
            EntityType::PassportNumber => "passport_number",
            EntityType::Password => "password",
            EntityType::PhoneNumber => "phone_number",
            EntityType::PhysicalAttribute => "physical_attribute",
            EntityType::PoliticalAffiliation => "political_affiliation",
            EntityType::Product => "product",
            EntityType::Project => "project",
            EntityType::Religion => "religion",
            EntityType::RoutingNumber => "routing_number",
            EntityType::Sexuality => "sexuality",
            EntityType::Ssn => "ssn",
            EntityType::Statistics => "statistics",
            EntityType::Time => "time",
            EntityType::Trend => "trend",
            EntityType::Url => "url",
            EntityType::Username => "username",
            EntityType::VehicleId => "vehicle_id",
            EntityType::Year => "year",
            EntityType::ZodiacSign => "zodiac_sign",
        }
    }

    /// The upper-case label used in responses, e.g. `"ACCOUNT_NUMBER"`.
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::EntityType;
    /// assert_eq!(EntityType::EmailAddress.as_label(), "EMAIL_ADDRESS");
    /// ```
    pub fn as_label(self) -> &'static str {
        match self {
            EntityType::AccountNumber => "ACCOUNT_NUMBER",
            EntityType::Age => "AGE",
            EntityType::All => "ALL",
            EntityType::BankAccount => "BANK_ACCOUNT",
            EntityType::BloodType => "BLOOD_TYPE",
            EntityType::Condition => "CONDITION",
            EntityType::CorporateAction => "CORPORATE_ACTION",
            EntityType::CreditCard => "CREDIT_CARD",
            EntityType::CreditCardExpiration => "CREDIT_CARD_EXPIRATION",
            EntityType::Cvv => "CVV",
            EntityType::Date => "DATE",
            EntityType::DateInterval => "DATE_INTERVAL",
            EntityType::Day => "DAY",
            EntityType::Dob => "DOB",
            EntityType::Dose => "DOSE",
            EntityType::DriverLicense => "DRIVER_LICENSE",
            EntityType::Drug => "DRUG",
            EntityType::Duration => "DURATION",
            EntityType::Effect => "EFFECT",
            EntityType::EmailAddress => "EMAIL_ADDRESS",
            EntityType::Event => "EVENT",
            EntityType::Filename => "FILENAME",
            EntityType::FinancialMetric => "FINANCIAL_METRIC",
            EntityType::Gender => "GENDER",
            EntityType::HealthcareNumber => "HEALTHCARE_NUMBER",
            EntityType::Injury => "INJURY",
            EntityType::IpAddress => "IP_ADDRESS",
            EntityType::Language => "LANGUAGE",
            EntityType::Location => "LOCATION",
            EntityType::LocationAddress => "LOCATION_ADDRESS",
            EntityType::LocationAddressStreet => "LOCATION_ADDRESS_STREET",
            EntityType::LocationCity => "LOCATION_CITY",
            EntityType::LocationCoordinate => "LOCATION_COORDINATE",
            EntityType::LocationCountry => "LOCATION_COUNTRY",
            EntityType::LocationState => "LOCATION_STATE",
            EntityType::LocationZip => "LOCATION_ZIP",
            EntityType::MaritalStatus => "MARITAL_STATUS",
            EntityType::MedicalCode => "MEDICAL_CODE",
            EntityType::MedicalProcess => "MEDICAL_PROCESS",
            EntityType::Money => "MONEY",
            EntityType::Month => "MONTH",
            EntityType::Name => "NAME",
            EntityType::NameFamily => "NAME_FAMILY",
            EntityType::NameGiven => "NAME_GIVEN",
            EntityType::NameMedicalProfessional => "NAME_MEDICAL_PROFESSIONAL",
            EntityType::NumericalPii => "NUMERICAL_PII",
            EntityType::Occupation => "OCCUPATION",
            EntityType::Organization => "ORGANIZATION",
            EntityType::OrganizationId => "ORGANIZATION_ID",
            EntityType::OrganizationMedicalFacility => "ORGANIZATION_MEDICAL_FACILITY",
            EntityType::Origin => "ORIGIN",
            EntityType::PassportNumber => "PASSPORT_NUMBER",
            EntityType::Password => "PASSWORD",
            EntityType::PhoneNumber => "PHONE_NUMBER",
            EntityType::PhysicalAttribute => "PHYSICAL_ATTRIBUTE",
            EntityType::PoliticalAffiliation => "POLITICAL_AFFILIATION",
            EntityType::Product => "PRODUCT",
            EntityType::Project => "PROJECT",
            EntityType::Religion => "RELIGION",
            EntityType::RoutingNumber => "ROUTING_NUMBER",
            EntityType::Sexuality => "SEXUALITY",
            EntityType::Ssn => "SSN",
            EntityType::Statistics => "STATISTICS",
            EntityType::Time => "TIME",
            EntityType::Trend => "TREND",
            EntityType::Url => "URL",
            EntityType::Username => "USERNAME",
            EntityType::VehicleId => "VEHICLE_ID",
            EntityType::Year => "YEAR",
            EntityType::ZodiacSign => "ZODIAC_SIGN",
        }
    }

    /// Parses an exact wire spelling (lower case); anything else is `None`.
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::EntityType;
    /// assert_eq!(EntityType::from_wire("ssn"), Some(EntityType::Ssn));
    /// assert_eq!(EntityType::from_wire("SSN"), None);
    /// ```
    pub fn from_wire(s: &str) -> Option<EntityType> {
        Some(match s {
            "account_number" => EntityType::AccountNumber,
            "age" => EntityType::Age,
            "all" => EntityType::All,
            "bank_account" => EntityType::BankAccount,
            "blood_type" => EntityType::BloodType,
            "condition" => EntityType::Condition,
            "corporate_action" => EntityType::CorporateAction,
            "credit_card" => EntityType::CreditCard,
            "credit_card_expiration" => EntityType::CreditCardExpiration,
            "cvv" => EntityType::Cvv,
            "date" => EntityType::Date,
            "date_interval" => EntityType::DateInterval,
            "day" => EntityType::Day,
            "dob" => EntityType::Dob,
            "dose" => EntityType::Dose,
            "driver_license" => EntityType::DriverLicense,
            "drug" => EntityType::Drug,
            "duration" => EntityType::Duration,
            "effect" => EntityType::Effect,
            "email_address" => EntityType::EmailAddress,
            "event" => EntityType::Event,
            "filename" => EntityType::Filename,
            "financial_metric" => EntityType::FinancialMetric,
            "gender" => EntityType::Gender,
            "healthcare_number" => EntityType::HealthcareNumber,
            "injury" => EntityType::Injury,
            "ip_address" => EntityType::IpAddress,
            "language" => EntityType::Language,
            "location" => EntityType::Location,
            "location_address" => EntityType::LocationAddress,
            "location_address_street" => EntityType::LocationAddressStreet,
            "location_city" => EntityType::LocationCity,
            "location_coordinate" => EntityType::LocationCoordinate,
            "location_country" => EntityType::LocationCountry,
            "location_state" => EntityType::LocationState,
            "location_zip" => EntityType::LocationZip,
            "marital_status" => EntityType::MaritalStatus,
            "medical_code" => EntityType::MedicalCode,
            "medical_process" => EntityType::MedicalProcess,
            "money" => EntityType::Money,
            "month" => EntityType::Month,
            "name" => EntityType::Name,
            "name_family" => EntityType::NameFamily,
            "name_given" => EntityType::NameGiven,
            "name_medical_professional" => EntityType::NameMedicalProfessional,
            "numerical_pii" => EntityType::NumericalPii,
            "occupation" => EntityType::Occupation,
            "organization" => EntityType::Organization,
            "organization_id" => EntityType::OrganizationId,
            "organization_medical_facility" => EntityType::OrganizationMedicalFacility,
            "origin" => EntityType::Origin,
            "passport_number" => EntityType::PassportNumber,
            "password" => EntityType::Password,
            "phone_number" => EntityType::PhoneNumber,
            "physical_attribute" => EntityType::PhysicalAttribute,
            "political_affiliation" => EntityType::PoliticalAffiliation,
            "product" => EntityType::Product,
            "project" => EntityType::Project,
            "religion" => EntityType::Religion,
            "routing_number" => EntityType::RoutingNumber,
            "sexuality" => EntityType::Sexuality,
            "ssn" => EntityType::Ssn,
            "statistics" => EntityType::Statistics,
            "time" => EntityType::Time,
            "trend" => EntityType::Trend,
            "url" => EntityType::Url,
            "username" => EntityType::Username,
            "vehicle_id" => EntityType::VehicleId,
            "year" => EntityType::Year,
            "zodiac_sign" => EntityType::ZodiacSign,
            _ => return None,
        })
    }

    /// The type directly above this one in Detect's hierarchy, if any: the given and family
    /// names sit below [`EntityType::Name`], the address, city, state, ZIP, country and coordinate
    /// below [`EntityType::Location`], the street below [`EntityType::LocationAddress`], a date of
    /// birth below [`EntityType::Date`], and medical facilities below
    /// [`EntityType::Organization`].
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::EntityType;
    /// assert_eq!(EntityType::LocationAddressStreet.parent(), Some(EntityType::LocationAddress));
    /// assert_eq!(EntityType::Ssn.parent(), None);
    /// ```
    pub fn parent(self) -> Option<EntityType> {
        use EntityType as E;
        match self {
            E::NameGiven | E::NameFamily | E::NameMedicalProfessional => Some(E::Name),
            E::LocationAddress
            | E::LocationCity
            | E::LocationCoordinate
            | E::LocationCountry
            | E::LocationState
            | E::LocationZip => Some(E::Location),
            E::LocationAddressStreet => Some(E::LocationAddress),
            E::Dob | E::Day | E::Month | E::Year => Some(E::Date),
            E::OrganizationMedicalFacility => Some(E::Organization),
            _ => None,
        }
    }

    /// Whether `self` is `ancestor` or lies below it in the hierarchy (every type lies below
    /// [`EntityType::All`]).
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::EntityType;
    /// assert!(EntityType::LocationAddressStreet.is_within(EntityType::Location));
    /// assert!(EntityType::Ssn.is_within(EntityType::All));
    /// assert!(!EntityType::Name.is_within(EntityType::NameGiven));
    /// ```
    pub fn is_within(self, ancestor: EntityType) -> bool {
        if ancestor == EntityType::All {
            return true;
        }
        let mut current = Some(self);
        while let Some(ty) = current {
            if ty == ancestor {
                return true;
            }
            current = ty.parent();
        }
        false
    }

    /// The ancestors of this type, nearest first (not including itself).
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::EntityType;
    /// let up: Vec<_> = EntityType::LocationAddressStreet.ancestors().collect();
    /// assert_eq!(up, [EntityType::LocationAddress, EntityType::Location]);
    /// ```
    pub fn ancestors(self) -> impl Iterator<Item = EntityType> {
        std::iter::successors(self.parent(), |ty| ty.parent())
    }
}

impl std::fmt::Display for EntityType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_wire())
    }
}
