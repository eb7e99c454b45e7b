//! Reading the raw setting values from the config file and the environment, before any check.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SettingProblem;

/// The environment variable that names the config file.
pub const CONFIG_FILE_VARIABLE: &str = "POSTAUSGANG_CONFIG";
/// The config file read from the working directory when `POSTAUSGANG_CONFIG` is not set.
pub const DEFAULT_CONFIG_FILE: &str = "postausgang.toml";

/// Every environment variable this module reads; others with the prefix get a warning.
const KNOWN_VARIABLES: &[&str] = &[
    CONFIG_FILE_VARIABLE,
    "POSTAUSGANG_LISTEN",
    "POSTAUSGANG_DATA_DIR",
    "POSTAUSGANG_KEY_FILE",
    "POSTAUSGANG_ALLOW_HOSTS",
    "POSTAUSGANG_HELO_NAME",
    "POSTAUSGANG_EXTRA_ROOT_CERTS",
    "POSTAUSGANG_FRONTEND_DIR",
    "POSTAUSGANG_SECURE_COOKIES",
];

/// The origin of a setting's value, so that an error message points to the right place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    Environment,
    /// A key in the TOML config file.
    File {
        path: PathBuf,
        key: &'static str,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => formatter.write_str("default"),
            Source::Environment => formatter.write_str("from the environment"),
            Source::File { path, key: "" } => write!(formatter, "in {}", path.display()),
            Source::File { path, key } => write!(formatter, "key `{key}` in {}", path.display()),
        }
    }
}

/// A value as found, with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Raw<T> {
    pub value: T,
    pub source: Source,
}

/// The setting values before any check. `None` means "use the default".
#[derive(Debug, Default)]
pub(super) struct RawSettings {
    pub listen: Option<Raw<String>>,
    pub data_dir: Option<Raw<String>>,
    pub key_file: Option<Raw<String>>,
    pub allow_hosts: Option<Raw<Vec<String>>>,
    pub helo_name: Option<Raw<String>>,
    pub extra_root_certs: Option<Raw<String>>,
    pub frontend_dir: Option<Raw<String>>,
    pub secure_cookies: Option<Raw<String>>,
    /// The outbox's settings by environment variable name, read by [`crate::outbox::OutboxSettings`].
    pub outbox: Vec<(&'static str, Raw<String>)>,
}

/// The config file's keys. Unknown keys are rejected, so that a typo does not go unnoticed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<String>,
    key_file: Option<String>,
    allow_hosts: Option<Vec<String>>,
    helo_name: Option<String>,
    extra_root_certs: Option<String>,
    frontend_dir: Option<String>,
    secure_cookies: Option<bool>,
    outbox: Option<OutboxFileSettings>,
}

/// The config file's `[outbox]` table: the `POSTAUSGANG_OUTBOX_*` variables without the prefix,
/// in lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxFileSettings {
    workers: Option<i64>,
    connections_per_server: Option<i64>,
    retry_first_delay_secs: Option<i64>,
    retry_max_delay_secs: Option<i64>,
    give_up_after_secs: Option<i64>,
    deactivate_after_failures: Option<i64>,
    max_message_bytes: Option<i64>,
}

impl OutboxFileSettings {
    /// Returns every key's name in the file, its environment variable and its value, if set.
    fn entries(&self) -> [(&'static str, &'static str, Option<i64>); 7] {
        [
            ("outbox.workers", "POSTAUSGANG_OUTBOX_WORKERS", self.workers),
            (
                "outbox.connections_per_server",
                "POSTAUSGANG_OUTBOX_CONNECTIONS_PER_SERVER",
                self.connections_per_server,
            ),
            (
                "outbox.retry_first_delay_secs",
                "POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS",
                self.retry_first_delay_secs,
            ),
            (
                "outbox.retry_max_delay_secs",
                "POSTAUSGANG_OUTBOX_RETRY_MAX_DELAY_SECS",
                self.retry_max_delay_secs,
            ),
            (
                "outbox.give_up_after_secs",
                "POSTAUSGANG_OUTBOX_GIVE_UP_AFTER_SECS",
                self.give_up_after_secs,
            ),
            (
                "outbox.deactivate_after_failures",
                "POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES",
                self.deactivate_after_failures,
            ),
            (
                "outbox.max_message_bytes",
                "POSTAUSGANG_OUTBOX_MAX_MESSAGE_BYTES",
                self.max_message_bytes,
            ),
        ]
    }
}

/// Reads the config file (if any) and overlays the environment variables on it.
pub(super) fn collect(environment: &[(String, String)]) -> Result<RawSettings, SettingProblem> {
    let variable = |name: &str| {
        environment
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };

    let mut raw = match config_file_path(variable(CONFIG_FILE_VARIABLE))? {
        Some(path) => read_config_file(&path)?,
        None => RawSettings::default(),
    };

    overlay(&mut raw.listen, variable("POSTAUSGANG_LISTEN"));
    overlay(&mut raw.data_dir, variable("POSTAUSGANG_DATA_DIR"));
    overlay(&mut raw.key_file, variable("POSTAUSGANG_KEY_FILE"));
    overlay(&mut raw.helo_name, variable("POSTAUSGANG_HELO_NAME"));
    overlay(
        &mut raw.extra_root_certs,
        variable("POSTAUSGANG_EXTRA_ROOT_CERTS"),
    );
    overlay(&mut raw.frontend_dir, variable("POSTAUSGANG_FRONTEND_DIR"));
    overlay(&mut raw.secure_cookies, variable("POSTAUSGANG_SECURE_COOKIES"));
    overlay(
        &mut raw.allow_hosts,
        variable("POSTAUSGANG_ALLOW_HOSTS").map(|value| split_list(&value)),
    );
    for &name in crate::outbox::settings::VARIABLES {
        let Some(value) = variable(name) else {
            continue;
        };
        raw.outbox.retain(|(setting, _)| *setting != name);
        raw.outbox.push((
            name,
            Raw {
                value,
                source: Source::Environment,
            },
        ));
    }
    Ok(raw)
}

/// Returns the `POSTAUSGANG_*` variables that no setting reads, such as a misspelt name.
pub(super) fn unknown_variables(environment: &[(String, String)]) -> Vec<String> {
    environment
        .iter()
        .map(|(key, _)| key)
        .filter(|key| key.starts_with("POSTAUSGANG_") && !KNOWN_VARIABLES.contains(&key.as_str()))
        .filter(|key| !crate::outbox::settings::VARIABLES.contains(&key.as_str()))
        .cloned()
        .collect()
}

fn overlay<T>(slot: &mut Option<Raw<T>>, value: Option<T>) {
    if let Some(value) = value {
        *slot = Some(Raw {
            value,
            source: Source::Environment,
        });
    }
}

/// Splits a list given as one environment variable, at commas or whitespace.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(|character: char| character == ',' || character.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

fn config_file_path(from_environment: Option<String>) -> Result<Option<PathBuf>, SettingProblem> {
    match from_environment {
        Some(path) if Path::new(&path).is_file() => Ok(Some(PathBuf::from(path))),
        Some(path) => Err(SettingProblem {
            setting: CONFIG_FILE_VARIABLE,
            source: Source::Environment,
            problem: format!("the config file \"{path}\" does not exist or is not a file."),
            fix: format!(
                "Point it to an existing TOML file, or unset it to read ./{DEFAULT_CONFIG_FILE} when present."
            ),
        }),
        None => {
            let default = PathBuf::from(DEFAULT_CONFIG_FILE);
            Ok(default.is_file().then_some(default))
        }
    }
}

fn read_config_file(path: &Path) -> Result<RawSettings, SettingProblem> {
    let unreadable = |detail: String| SettingProblem {
        setting: CONFIG_FILE_VARIABLE,
        source: Source::File {
            path: path.to_path_buf(),
            key: "",
        },
        problem: format!("cannot read the config file {}: {detail}", path.display()),
        fix: "Fix the file: it is TOML with the keys listen, data_dir, key_file, allow_hosts, helo_name, \
              extra_root_certs, frontend_dir and secure_cookies, and an [outbox] table with workers, \
              connections_per_server, retry_first_delay_secs, retry_max_delay_secs, give_up_after_secs, \
              deactivate_after_failures and max_message_bytes."
            .to_owned(),
    };
    let text = std::fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    let file: FileSettings = toml::from_str(&text).map_err(|error| {
        let line = error
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let mut problem = SettingProblem {
            problem: format!(
                "the config file {} is invalid{}: {}.",
                path.display(),
                line.map(|line| format!(" at line {line}")).unwrap_or_default(),
                readable_toml_error(error.message())
            ),
            ..unreadable(String::new())
        };
        problem.fix = problem.fix.replacen("Fix the file:", "Fix that line:", 1);
        problem
    })?;
    Ok(from_file(file, path))
}

/// Rewords the TOML library's message for an operator: Rust's type names become the kind of
/// value expected.
fn readable_toml_error(message: &str) -> String {
    message
        .trim_end_matches('.')
        .replace("expected i64", "expected a whole number without quotes")
        .replace("expected struct OutboxFileSettings", "expected a table: [outbox]")
        .replace("expected a boolean", "expected true or false without quotes")
}

fn from_file(file: FileSettings, path: &Path) -> RawSettings {
    let located = |key: &'static str| Source::File {
        path: path.to_path_buf(),
        key,
    };
    let text = |value: Option<String>, key| {
        value.map(|value| Raw {
            value,
            source: located(key),
        })
    };
    RawSettings {
        listen: text(file.listen, "listen"),
        data_dir: text(file.data_dir, "data_dir"),
        key_file: text(file.key_file, "key_file"),
        allow_hosts: file.allow_hosts.map(|value| Raw {
            value,
            source: located("allow_hosts"),
        }),
        helo_name: text(file.helo_name, "helo_name"),
        extra_root_certs: text(file.extra_root_certs, "extra_root_certs"),
        frontend_dir: text(file.frontend_dir, "frontend_dir"),
        secure_cookies: text(
            file.secure_cookies.map(|value| value.to_string()),
            "secure_cookies",
        ),
        outbox: file
            .outbox
            .unwrap_or_default()
            .entries()
            .into_iter()
            .filter_map(|(key, name, value)| {
                let value = value?.to_string();
                Some((
                    name,
                    Raw {
                        value,
                        source: located(key),
                    },
                ))
            })
            .collect(),
    }
}
