//! Texts for address problems and the sender and BCC findings.

use super::{quote, EXAMPLE_ADDRESS};
use crate::address::AddressProblem;
use crate::i18n::Language;
use crate::report::{Field, FindingCode};

/// Renders `{field} „{input}“: {problem}`, followed by the accepted forms where the problem is
/// about the overall form.
pub(super) fn render_invalid_address(
    field: Field,
    input: &str,
    problem: &AddressProblem,
    language: Language,
) -> String {
    let label = field.label(language);
    let subject = if input.is_empty() {
        label.to_owned()
    } else {
        format!("{label} {}", quote(input, language))
    };
    let mut text = format!("{subject}: {}", describe_problem(field, problem, language));
    if shows_accepted_forms(problem) {
        text.push(' ');
        text.push_str(&accepted_forms(field, language));
    }
    text
}

fn shows_accepted_forms(problem: &AddressProblem) -> bool {
    matches!(
        problem,
        AddressProblem::Empty
            | AddressProblem::SpaceInAddress
            | AddressProblem::MissingClosingBracket
            | AddressProblem::TextAfterAddress { .. }
            | AddressProblem::MissingAt
            | AddressProblem::MultipleAddresses
            | AddressProblem::NotAnAddress
    )
}

/// Returns the forms a field accepts, with examples.
fn accepted_forms(field: Field, language: Language) -> String {
    let takes_a_list = matches!(field, Field::Bcc | Field::TestRecipient);
    match (language.effective(), takes_a_list) {
        (Language::De, false) => {
            format!("Erlaubt sind „{EXAMPLE_ADDRESS}“ oder „Max Mustermann <{EXAMPLE_ADDRESS}>“.")
        }
        (Language::En, false) => {
            format!("Accepted forms are \"{EXAMPLE_ADDRESS}\" or \"Max Mustermann <{EXAMPLE_ADDRESS}>\".")
        }
        (Language::De, true) => {
            "Erlaubt sind eine oder mehrere Adressen, getrennt durch Komma oder Semikolon, \
             z. B. „archiv@example.com; buchhaltung@example.com“."
                .to_owned()
        }
        (Language::En, true) => "Enter one or more addresses separated by commas or semicolons, \
             such as \"archiv@example.com; buchhaltung@example.com\"."
            .to_owned(),
    }
}

fn describe_problem(field: Field, problem: &AddressProblem, language: Language) -> String {
    describe_structure_problem(field, problem, language)
        .or_else(|| describe_local_part_problem(problem, language))
        .or_else(|| describe_domain_problem(problem, language))
        .unwrap_or_else(|| {
            language
                .pick(
                    "Das ist keine gültige E-Mail-Adresse.",
                    "This is not a valid email address.",
                )
                .to_owned()
        })
}

/// Describes problems with the text as a whole: characters, brackets, quotes, the `@`.
fn describe_structure_problem(field: Field, problem: &AddressProblem, language: Language) -> Option<String> {
    let takes_a_list = matches!(field, Field::Bcc | Field::TestRecipient);
    let text = match (problem, language.effective()) {
        (AddressProblem::Empty, Language::De) => "Bitte eine Adresse eingeben.".to_owned(),
        (AddressProblem::Empty, Language::En) => "Please enter an address.".to_owned(),
        (AddressProblem::ControlCharacter { code_point }, Language::De) => format!(
            "Zeilenumbrüche und Steuerzeichen sind nicht erlaubt (gefunden: {code_point}). \
             Bitte die Adresse in einer Zeile eingeben."
        ),
        (AddressProblem::ControlCharacter { code_point }, Language::En) => format!(
            "Line breaks and control characters are not allowed (found: {code_point}). \
             Please enter the address on one line."
        ),
        (AddressProblem::InvisibleCharacter { code_point }, Language::De) => format!(
            "Die Adresse enthält ein unsichtbares Zeichen ({code_point}), wie es beim Kopieren entsteht. \
             Bitte die Adresse von Hand neu eintippen."
        ),
        (AddressProblem::InvisibleCharacter { code_point }, Language::En) => format!(
            "The address contains an invisible character ({code_point}), as copy and paste leaves behind. \
             Please type the address again by hand."
        ),
        (AddressProblem::SpaceInAddress, Language::De) => "Die Adresse enthält ein Leerzeichen. Bitte entfernen.".to_owned(),
        (AddressProblem::SpaceInAddress, Language::En) => "The address contains a space. Please remove it.".to_owned(),
        (AddressProblem::MultipleAddresses, Language::De) if takes_a_list => {
            "Mehrere Adressen bitte mit Komma oder Semikolon trennen.".to_owned()
        }
        (AddressProblem::MultipleAddresses, Language::En) if takes_a_list => {
            "Please separate several addresses with commas or semicolons.".to_owned()
        }
        (AddressProblem::MultipleAddresses, Language::De) => "Hier ist nur eine Adresse erlaubt.".to_owned(),
        (AddressProblem::MultipleAddresses, Language::En) => "Only one address is allowed here.".to_owned(),
        (AddressProblem::NameWithoutAngleBrackets { suggestion }, Language::De) => format!(
            "Steht ein Name vor der Adresse, gehört die Adresse in spitze Klammern: {}.",
            quote(suggestion, language)
        ),
        (AddressProblem::NameWithoutAngleBrackets { suggestion }, Language::En) => format!(
            "When a name comes with the address, put the address in angle brackets: {}.",
            quote(suggestion, language)
        ),
        (AddressProblem::MissingClosingBracket, Language::De) => "Die schließende spitze Klammer „>“ fehlt.".to_owned(),
        (AddressProblem::MissingClosingBracket, Language::En) => "The closing angle bracket \">\" is missing.".to_owned(),
        (AddressProblem::TextAfterAddress { text }, Language::De) => {
            format!("Nach der Klammer „>“ darf nichts mehr stehen (gefunden: {}).", quote(text, language))
        }
        (AddressProblem::TextAfterAddress { text }, Language::En) => {
            format!("Nothing may follow the closing \">\" (found: {}).", quote(text, language))
        }
        (AddressProblem::UnexpectedAngleBracket, Language::De) => "Spitze Klammern stehen nur um die Adresse. \
             Enthält der Name selbst Klammern, setzen Sie ihn in Anführungszeichen: \"Shop <Outlet>\" <max@example.com>."
            .to_owned(),
        (AddressProblem::UnexpectedAngleBracket, Language::En) => "Angle brackets go around the address only. \
             If the name itself has brackets, put it in quotes: \"Shop <Outlet>\" <max@example.com>."
            .to_owned(),
        (AddressProblem::UnbalancedQuotes, Language::De) => {
            "Ein Anführungszeichen \" wird nicht geschlossen. Bitte das zweite ergänzen oder beide entfernen.".to_owned()
        }
        (AddressProblem::UnbalancedQuotes, Language::En) => {
            "A quotation mark \" is not closed. Please add the second one or remove both.".to_owned()
        }
        (AddressProblem::MissingAt, Language::De) => "Das @ fehlt.".to_owned(),
        (AddressProblem::MissingAt, Language::En) => "The @ is missing.".to_owned(),
        (AddressProblem::MultipleAt, Language::De) => "Die Adresse enthält mehr als ein @. Bitte nur eines verwenden.".to_owned(),
        (AddressProblem::MultipleAt, Language::En) => "The address contains more than one @. Please use only one.".to_owned(),
        _ => return None,
    };
    Some(text)
}

/// Describes problems with the part before the `@`.
fn describe_local_part_problem(problem: &AddressProblem, language: Language) -> Option<String> {
    let text = match (problem, language.effective()) {
        (AddressProblem::EmptyLocalPart, Language::De) => {
            "Vor dem @ fehlt der Name des Postfachs, z. B. info@example.com.".to_owned()
        }
        (AddressProblem::EmptyLocalPart, Language::En) => {
            "The mailbox name before the @ is missing, for example: info@example.com.".to_owned()
        }
        (AddressProblem::LocalPartTooLong { max }, Language::De) => {
            format!("Der Teil vor dem @ ist länger als {max} Zeichen. Bitte kürzen.")
        }
        (AddressProblem::LocalPartTooLong { max }, Language::En) => {
            format!("The part before the @ is longer than {max} characters. Please shorten it.")
        }
        (AddressProblem::LocalPartDot, Language::De) => {
            "Punkt an dieser Stelle im Teil vor dem @ ist nicht erlaubt: \
             nicht am Anfang, nicht direkt vor dem @ und nicht zwei hintereinander."
                .to_owned()
        }
        (AddressProblem::LocalPartDot, Language::En) => "A dot is not allowed at this place before the @: \
             not at the start, not right before the @ and not two in a row."
            .to_owned(),
        (AddressProblem::InvalidLocalPartCharacter { character }, Language::De) => {
            format!(
                "Das Zeichen {} ist vor dem @ nicht erlaubt. Bitte entfernen.",
                quote(character, language)
            )
        }
        (AddressProblem::InvalidLocalPartCharacter { character }, Language::En) => {
            format!(
                "The character {} is not allowed before the @. Please remove it.",
                quote(character, language)
            )
        }
        _ => return None,
    };
    Some(text)
}

/// Describes problems with the domain after the `@`.
fn describe_domain_problem(problem: &AddressProblem, language: Language) -> Option<String> {
    let text = match (problem, language.effective()) {
        (AddressProblem::EmptyDomain, Language::De) => "Nach dem @ fehlt die Domain, z. B. max@example.com.".to_owned(),
        (AddressProblem::EmptyDomain, Language::En) => "The domain after the @ is missing, for example: max@example.com.".to_owned(),
        (AddressProblem::DomainLiteral, Language::De) => "Eine IP-Adresse in eckigen Klammern ist als Domain nicht erlaubt. \
             Bitte den Domainnamen eintragen, z. B. max@example.com."
            .to_owned(),
        (AddressProblem::DomainLiteral, Language::En) => "An IP address in square brackets is not allowed as the domain. \
             Please enter the domain name, such as max@example.com."
            .to_owned(),
        (AddressProblem::IpAddressAsDomain, Language::De) => {
            "Nach dem @ steht eine IP-Adresse. Bitte den Domainnamen eintragen, z. B. max@example.com.".to_owned()
        }
        (AddressProblem::IpAddressAsDomain, Language::En) => {
            "An IP address follows the @. Please enter the domain name, such as max@example.com.".to_owned()
        }
        (AddressProblem::DomainWithoutDot { suggestion: Some(suggestion), .. }, Language::De) => {
            format!("Domain ohne Punkt – meinten Sie z. B. {suggestion}?")
        }
        (AddressProblem::DomainWithoutDot { suggestion: Some(suggestion), .. }, Language::En) => {
            format!("Domain without a dot – did you mean {suggestion}, for example?")
        }
        (AddressProblem::DomainWithoutDot { domain, suggestion: None }, Language::De) => format!(
            "Domain ohne Punkt ({}) – bitte die vollständige Domain mit Endung eintragen, z. B. example.com.",
            quote(domain, language)
        ),
        (AddressProblem::DomainWithoutDot { domain, suggestion: None }, Language::En) => format!(
            "Domain without a dot ({}) – please enter the full domain with its ending, such as example.com.",
            quote(domain, language)
        ),
        (AddressProblem::DomainDot, Language::De) => "Punkt an dieser Stelle in der Domain ist nicht erlaubt: \
             nicht direkt nach dem @, nicht am Ende und nicht zwei hintereinander."
            .to_owned(),
        (AddressProblem::DomainDot, Language::En) => "A dot is not allowed at this place in the domain: \
             not right after the @, not at the end and not two in a row."
            .to_owned(),
        (AddressProblem::InvalidDomainLabel { label }, Language::De) => format!(
            "Der Domain-Teil {} ist ungültig. Erlaubt sind Buchstaben, Ziffern und Bindestriche \
             (nicht am Anfang oder Ende eines Teils), höchstens 63 Zeichen je Teil; die Endung braucht Buchstaben.",
            quote(label, language)
        ),
        (AddressProblem::InvalidDomainLabel { label }, Language::En) => format!(
            "The domain part {} is invalid. Letters, digits and hyphens are allowed (no hyphen at the start or end \
             of a part), at most 63 characters per part; the ending needs letters.",
            quote(label, language)
        ),
        (AddressProblem::DomainTooLong { max }, Language::De) => {
            format!("Die Domain ist länger als {max} Zeichen. Bitte prüfen.")
        }
        (AddressProblem::DomainTooLong { max }, Language::En) => {
            format!("The domain is longer than {max} characters. Please check it.")
        }
        _ => return None,
    };
    Some(text)
}

/// Renders the sender and BCC findings other than invalid addresses, without the field label.
pub(super) fn render(code: &FindingCode, language: Language) -> Option<String> {
    let text = match (code, language.effective()) {
        (FindingCode::NonAsciiLocalPart { address }, Language::De) => format!(
            "{} enthält vor dem @ Zeichen außerhalb von ASCII, etwa Umlaute. Solche Adressen nehmen nur Server an, \
             die SMTPUTF8 beherrschen, und viele Empfänger nicht. Besser eine Adresse ohne Umlaute vor dem @ verwenden.",
            quote(address, language)
        ),
        (FindingCode::NonAsciiLocalPart { address }, Language::En) => format!(
            "{} has characters outside ASCII before the @, such as umlauts. Only servers with SMTPUTF8 accept such \
             addresses, and many recipients do not. Better use an address without them before the @.",
            quote(address, language)
        ),
        (FindingCode::TooManyAddresses { max }, Language::De) => {
            format!("Höchstens {max} Adressen sind erlaubt. Bitte die Liste kürzen.")
        }
        (FindingCode::TooManyAddresses { max }, Language::En) => {
            format!("At most {max} addresses are allowed. Please shorten the list.")
        }
        _ => return None,
    };
    Some(text)
}
