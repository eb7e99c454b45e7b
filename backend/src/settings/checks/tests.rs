use std::path::Path;
use std::time::Duration;

use super::*;
use crate::settings::Settings;

fn from_environment(raw_pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let environment: Vec<(String, String)> = raw_pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    Settings::from_environment(&environment)
}

fn environment_with_data_dir<'a>(
    data_dir: &'a Path,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![(
        "POSTAUSGANG_DATA_DIR",
        data_dir.to_str().expect("temp paths are UTF-8"),
    )];
    pairs.extend_from_slice(extra);
    pairs
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let folder = tempfile::tempdir().expect("temp dir");
    let data_dir = folder.path().join("data");

    let settings = from_environment(&environment_with_data_dir(&data_dir, &[])).expect("defaults are valid");

    assert_eq!(settings.listen, "127.0.0.1:8080".parse().expect("address"));
    assert_eq!(settings.key_file, data_dir.join("secret.key"));
    assert_eq!(settings.helo_name, "postausgang.invalid");
    assert_eq!(settings.frontend_dir, Path::new("frontend/dist"));
    assert!(settings.allow_hosts.is_empty());
    assert!(!settings.secure_cookies);
    assert!(data_dir.is_dir(), "the data folder is created at load");
}

#[test]
fn listen_without_port_names_setting_and_fix() {
    let folder = tempfile::tempdir().expect("temp dir");
    let environment = environment_with_data_dir(folder.path(), &[("POSTAUSGANG_LISTEN", "localhost")]);

    let error = from_environment(&environment).expect_err("a host name without port is invalid");

    let problem = error
        .problem_for("POSTAUSGANG_LISTEN")
        .expect("the listen setting is named");
    assert_eq!(problem.problem, "\"localhost\" is not an IP address with a port.");
    assert!(
        problem.fix.contains("127.0.0.1:8080"),
        "the fix shows an example: {}",
        problem.fix
    );
    assert_eq!(problem.source, Source::Environment);
    assert!(
        error
            .to_string()
            .contains("POSTAUSGANG_LISTEN (from the environment)"),
        "{error}"
    );
}

#[test]
fn listen_accepts_ipv6_and_port_zero() {
    let raw = Raw {
        value: "[::1]:0".to_owned(),
        source: Source::Environment,
    };

    let address = check_listen(raw).expect("IPv6 loopback with port 0 is valid");

    assert_eq!(address, "[::1]:0".parse().expect("address"));
}

#[test]
fn allow_hosts_rejects_bad_cidr() {
    let folder = tempfile::tempdir().expect("temp dir");
    let environment = environment_with_data_dir(
        folder.path(),
        &[("POSTAUSGANG_ALLOW_HOSTS", "127.0.0.0/8,10.0.0.0/33")],
    );

    let error = from_environment(&environment).expect_err("a /33 prefix is invalid");

    let problem = error
        .problem_for("POSTAUSGANG_ALLOW_HOSTS")
        .expect("the allow-hosts setting is named");
    assert_eq!(problem.problem, "\"10.0.0.0/33\" is not an address range.");
    assert!(
        problem.fix.contains("CIDR notation"),
        "the fix names the format: {}",
        problem.fix
    );
}

#[test]
fn allow_hosts_parses_ranges_and_single_addresses() {
    let raw = Raw {
        value: vec!["127.0.0.1/8".to_owned(), "::1".to_owned(), "192.0.2.7".to_owned()],
        source: Source::Environment,
    };

    let ranges = check_allow_hosts(Some(raw)).expect("all entries are valid");

    let expected: Vec<IpNet> = ["127.0.0.0/8", "::1/128", "192.0.2.7/32"]
        .iter()
        .map(|range| range.parse().expect("range"))
        .collect();
    assert_eq!(ranges, expected);
}

#[test]
fn allow_hosts_list_splits_at_commas() {
    let folder = tempfile::tempdir().expect("temp dir");
    let environment = environment_with_data_dir(
        folder.path(),
        &[("POSTAUSGANG_ALLOW_HOSTS", "127.0.0.0/8, ::1/128")],
    );

    let settings = from_environment(&environment).expect("the list is valid");

    assert_eq!(settings.allow_hosts.len(), 2);
}

#[test]
fn data_dir_below_a_file_is_unwritable() {
    // Root may write anywhere regardless of permission bits, so the test makes the folder
    // impossible to create instead: its parent is a regular file.
    let folder = tempfile::tempdir().expect("temp dir");
    let file = folder.path().join("plain-file");
    std::fs::write(&file, b"not a folder").expect("write file");
    let data_dir = file.join("data");

    let error = from_environment(&environment_with_data_dir(&data_dir, &[])).expect_err("cannot create");

    let problem = error
        .problem_for("POSTAUSGANG_DATA_DIR")
        .expect("the data-dir setting is named");
    assert!(
        problem
            .problem
            .starts_with(&format!("cannot use \"{}\"", data_dir.display())),
        "{problem}"
    );
    assert!(problem.problem.contains("creating it failed"), "{problem}");
    assert!(problem.fix.contains("owner and permissions"), "{problem}");
}

#[test]
fn data_dir_that_is_a_file_is_rejected() {
    let folder = tempfile::tempdir().expect("temp dir");
    let file = folder.path().join("plain-file");
    std::fs::write(&file, b"not a folder").expect("write file");

    let error = from_environment(&environment_with_data_dir(&file, &[])).expect_err("a file is no folder");

    let problem = error
        .problem_for("POSTAUSGANG_DATA_DIR")
        .expect("the data-dir setting is named");
    assert!(
        problem.problem.contains("it exists but is not a folder"),
        "{problem}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let folder = tempfile::tempdir().expect("temp dir");
    let environment = environment_with_data_dir(
        folder.path(),
        &[
            ("POSTAUSGANG_LISTEN", "8080"),
            ("POSTAUSGANG_SECURE_COOKIES", "maybe"),
        ],
    );

    let error = from_environment(&environment).expect_err("two settings are invalid");

    assert_eq!(error.problems.len(), 2, "{error}");
    assert!(error.problem_for("POSTAUSGANG_LISTEN").is_some());
    assert!(error.problem_for("POSTAUSGANG_SECURE_COOKIES").is_some());
}

#[test]
fn helo_name_requires_a_dotted_name() {
    let cases = [
        ("mail.shop.example", true),
        ("Mail.Shop.Example.", true),
        ("localhost", false),
        ("localhost.localdomain", false),
        ("shop.localhost", false),
        ("container-3f2a", false),
        ("mail_server.example", false),
        ("-mail.example", false),
        ("192.0.2.10", false),
        ("", false),
    ];
    for (name, valid) in cases {
        let raw = Raw {
            value: name.to_owned(),
            source: Source::Environment,
        };

        let result = check_helo_name(raw);

        assert_eq!(
            result.is_ok(),
            valid,
            "HELO name {name:?} should be valid: {valid}"
        );
    }
}

#[test]
fn helo_name_problem_shows_example() {
    let raw = Raw {
        value: "localhost".to_owned(),
        source: Source::Default,
    };

    let problem = check_helo_name(raw).expect_err("a bare name is invalid");

    assert_eq!(problem.setting, "POSTAUSGANG_HELO_NAME");
    assert_eq!(
        problem.problem,
        "\"localhost\" is not a fully qualified host name."
    );
    assert!(problem.fix.contains("mail.shop.example"), "{problem}");
}

#[test]
fn extra_root_certs_must_contain_a_certificate() {
    let folder = tempfile::tempdir().expect("temp dir");
    let pem = folder.path().join("roots.pem");
    std::fs::write(&pem, b"this is not PEM\n").expect("write file");
    let pem_path = pem.to_str().expect("UTF-8 path");

    let error = from_environment(&environment_with_data_dir(
        folder.path(),
        &[("POSTAUSGANG_EXTRA_ROOT_CERTS", pem_path)],
    ))
    .expect_err("a file without certificates is invalid");

    let problem = error
        .problem_for("POSTAUSGANG_EXTRA_ROOT_CERTS")
        .expect("the setting is named");
    assert!(problem.problem.contains("contains no certificate"), "{problem}");
}

#[test]
fn extra_root_certs_missing_file_is_rejected() {
    let folder = tempfile::tempdir().expect("temp dir");
    let missing = folder.path().join("missing.pem");
    let missing_path = missing.to_str().expect("UTF-8 path");

    let error = from_environment(&environment_with_data_dir(
        folder.path(),
        &[("POSTAUSGANG_EXTRA_ROOT_CERTS", missing_path)],
    ))
    .expect_err("a missing file is invalid");

    assert!(
        error.problem_for("POSTAUSGANG_EXTRA_ROOT_CERTS").is_some(),
        "{error}"
    );
}

#[test]
fn config_file_values_yield_to_environment() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("postausgang.toml");
    let data_dir = folder.path().join("from-file");
    let file_text = format!(
        "listen = \"127.0.0.1:9000\"\ndata_dir = \"{}\"\nallow_hosts = [\"127.0.0.0/8\"]\nsecure_cookies = true\n",
        data_dir.display()
    );
    std::fs::write(&config, file_text).expect("write config");
    let config_path = config.to_str().expect("UTF-8 path");

    let settings = from_environment(&[
        ("POSTAUSGANG_CONFIG", config_path),
        ("POSTAUSGANG_LISTEN", "127.0.0.1:9001"),
    ])
    .expect("the file is valid");

    assert_eq!(
        settings.listen,
        "127.0.0.1:9001".parse().expect("address"),
        "the environment wins"
    );
    assert_eq!(settings.data_dir, data_dir, "the file's value applies");
    assert_eq!(
        settings.allow_hosts,
        vec!["127.0.0.0/8".parse::<IpNet>().expect("range")]
    );
    assert!(settings.secure_cookies);
}

#[test]
fn config_file_problem_names_file_key() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("postausgang.toml");
    std::fs::write(&config, "listen = \"nonsense\"\n").expect("write config");
    let config_path = config.to_str().expect("UTF-8 path");
    let data_dir = folder.path().join("data");

    let error = from_environment(&environment_with_data_dir(
        &data_dir,
        &[("POSTAUSGANG_CONFIG", config_path)],
    ))
    .expect_err("the listen value is invalid");

    let problem = error
        .problem_for("POSTAUSGANG_LISTEN")
        .expect("the listen setting is named");
    assert_eq!(
        problem.source.to_string(),
        format!("key `listen` in {}", config.display())
    );
}

#[test]
fn config_file_unknown_key_is_rejected() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("postausgang.toml");
    std::fs::write(&config, "listn = \"127.0.0.1:8080\"\n").expect("write config");
    let config_path = config.to_str().expect("UTF-8 path");

    let error = from_environment(&[("POSTAUSGANG_CONFIG", config_path)]).expect_err("a typo is rejected");

    let problem = error
        .problem_for("POSTAUSGANG_CONFIG")
        .expect("the config file is named");
    assert!(
        problem.problem.contains("listn"),
        "the message names the unknown key: {problem}"
    );
}

/// Writes `text` as `postausgang.toml` into a new temporary folder and returns both.
fn config_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = folder.path().join("postausgang.toml");
    std::fs::write(&config, text).expect("write config");
    (folder, config)
}

#[test]
fn config_file_outbox_table_yields_to_environment() {
    let file_text = "[outbox]\nworkers = 3\nretry_first_delay_secs = 30\ndeactivate_after_failures = 7\n";
    let (folder, config) = config_file(file_text);
    let config_path = config.to_str().expect("UTF-8 path");
    let data_dir = folder.path().join("data");

    let settings = from_environment(&environment_with_data_dir(
        &data_dir,
        &[
            ("POSTAUSGANG_CONFIG", config_path),
            ("POSTAUSGANG_OUTBOX_WORKERS", "5"),
        ],
    ))
    .expect("the file is valid");

    assert_eq!(settings.outbox.workers, 5, "the environment wins");
    assert_eq!(settings.outbox.retry_first_delay, Duration::from_secs(30));
    assert_eq!(settings.outbox.deactivate_after_failures, 7);
    assert_eq!(settings.outbox.connections_per_server, 4, "the default applies");
}

#[test]
fn config_file_outbox_problem_names_file_key() {
    let (folder, config) = config_file("[outbox]\ndeactivate_after_failures = -1\n");
    let config_path = config.to_str().expect("UTF-8 path");
    let data_dir = folder.path().join("data");

    let error = from_environment(&environment_with_data_dir(
        &data_dir,
        &[("POSTAUSGANG_CONFIG", config_path)],
    ))
    .expect_err("a negative count is invalid");

    let problem = error
        .problem_for("POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES")
        .expect("the setting is named");
    assert_eq!(
        problem.source.to_string(),
        format!("key `outbox.deactivate_after_failures` in {}", config.display())
    );
    assert_eq!(problem.problem, "\"-1\" is not a whole number from 1 to 1000.");
    assert!(problem.fix.contains("remove the key"), "{problem}");
}

#[test]
fn config_file_unknown_outbox_key_is_rejected() {
    let (_folder, config) = config_file("[outbox]\nworker = 3\n");
    let config_path = config.to_str().expect("UTF-8 path");

    let error = from_environment(&[("POSTAUSGANG_CONFIG", config_path)]).expect_err("a typo is rejected");

    let problem = error
        .problem_for("POSTAUSGANG_CONFIG")
        .expect("the config file is named");
    assert!(
        problem.problem.contains("worker"),
        "the message names the unknown key: {problem}"
    );
}

#[test]
fn config_file_wrong_type_names_line_and_kind() {
    let (_folder, config) = config_file("[outbox]\nworkers = \"4\"\n");
    let config_path = config.to_str().expect("UTF-8 path");

    let error = from_environment(&[("POSTAUSGANG_CONFIG", config_path)]).expect_err("a string is no number");

    let problem = error
        .problem_for("POSTAUSGANG_CONFIG")
        .expect("the config file is named");
    assert!(problem.problem.contains("at line 2"), "{problem}");
    assert!(
        problem.problem.contains("a whole number without quotes"),
        "{problem}"
    );
    assert!(!problem.problem.contains("i64"), "{problem}");
    assert_eq!(problem.source.to_string(), format!("in {}", config.display()));
}

#[test]
fn config_file_that_is_missing_is_rejected() {
    let error = from_environment(&[("POSTAUSGANG_CONFIG", "/nonexistent/postausgang.toml")])
        .expect_err("a named config file must exist");

    let problem = error
        .problem_for("POSTAUSGANG_CONFIG")
        .expect("the config variable is named");
    assert!(
        problem.problem.contains("/nonexistent/postausgang.toml"),
        "{problem}"
    );
}

#[test]
fn unknown_prefixed_variables_are_listed() {
    let environment = vec![
        ("POSTAUSGANG_LISTN".to_owned(), "x".to_owned()),
        ("POSTAUSGANG_LISTEN".to_owned(), "x".to_owned()),
        ("HOME".to_owned(), "/root".to_owned()),
    ];

    let unknown = crate::settings::sources::unknown_variables(&environment);

    assert_eq!(unknown, vec!["POSTAUSGANG_LISTN".to_owned()]);
}
