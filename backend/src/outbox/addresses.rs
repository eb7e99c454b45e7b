//! The addresses of a shop's mail, checked by the shared rules that the server form uses for
//! its sender, and their problems worded for the API's field names (`to[0]`, `from`).

use shared::{AddressProblem, Field, Language};

/// Renders an address problem for an API field, such as `to[1] "kunde": …`.
///
/// The shared texts name a form field; the label of a form field of the same kind is replaced
/// by the API's field name.
pub fn describe_problem(
    problem: &AddressProblem,
    api_field: &str,
    input: &str,
    language: Language,
) -> String {
    let form_field = if api_field == "from" {
        Field::Sender
    } else {
        Field::TestRecipient
    };
    let text = problem.message(form_field, input, language);
    match text.strip_prefix(form_field.label(language)) {
        Some(rest) => format!("{api_field}{rest}"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_names_api_field() {
        let problem = shared::parse_mailbox("kunde").expect_err("no @");
        let text = describe_problem(&problem, "to[1]", "kunde", Language::En);
        assert!(text.starts_with("to[1] \"kunde\": "), "{text}");
    }
}
