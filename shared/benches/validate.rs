//! Time to validate a complete form natively; the target is under 20 microseconds.
//!
//! Run: `cargo bench -p shared --bench validate`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use shared::{parse_mailbox, validate_server, Password, PortInput, Security, ServerInput};

/// Builds a complete form with every field filled in, including a name with an umlaut, an
/// internationalised domain and two BCC addresses, for a provider with hints.
fn complete_form() -> ServerInput {
    ServerInput {
        provider: "ionos_de".to_owned(),
        active: true,
        display_name: "Shop-Versand".to_owned(),
        sender: "\"Müller, Max\" <info@bücher-shop.example>".to_owned(),
        host: " smtp.ionos.de ".to_owned(),
        port: PortInput::Text("587".to_owned()),
        security: Security::StartTls,
        login: "info@bücher-shop.example".to_owned(),
        password: Some(Password::new("Pä§%\"#/\\ w0rd".to_owned())),
        bcc: "archiv@bücher-shop.example; Buchhaltung <buchhaltung@bücher-shop.example>".to_owned(),
        is_default: true,
    }
}

/// Builds the common case: ASCII addresses, no provider, no BCC.
fn plain_form() -> ServerInput {
    ServerInput {
        provider: String::new(),
        sender: "Shop <info@shop.example>".to_owned(),
        host: "smtp.shop.example".to_owned(),
        login: "info@shop.example".to_owned(),
        bcc: String::new(),
        ..complete_form()
    }
}

fn bench_validate_server(criterion: &mut Criterion) {
    let forms = [
        ("complete form with IDN and BCC", complete_form()),
        ("plain ASCII form", plain_form()),
    ];
    for (name, form) in forms {
        assert!(
            validate_server(&form, false).1.is_some(),
            "the benchmark form must be valid"
        );
        criterion.bench_function(&format!("validate_server, {name}"), |bencher| {
            bencher.iter(|| validate_server(black_box(&form), false))
        });
    }
}

fn bench_parse_mailbox(criterion: &mut Criterion) {
    criterion.bench_function("parse_mailbox, quoted name and IDN domain", |bencher| {
        bencher.iter(|| parse_mailbox(black_box("\"Müller, Max\" <info@bücher-shop.example>")))
    });
}

criterion_group!(benches, bench_validate_server, bench_parse_mailbox);
criterion_main!(benches);
