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
            Source::File { path, key } => write!(formatter, "key `{key}` in {}", path.display()),
        }
    }
}

/// A value as found, with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Raw<T> {
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
              extra_root_certs, frontend_dir and secure_cookies."
            .to_owned(),
    };
    let text = std::fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    let file: FileSettings = toml::from_str(&text).map_err(|error| unreadable(error.message().to_owned()))?;
    Ok(from_file(file, path))
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
    }
}
