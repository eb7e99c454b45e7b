//! Start-up settings: built-in defaults, then an optional TOML file, then `POSTAUSGANG_*`
//! environment variables, each layer overriding the one before.
//!
//! Every value is checked once here, and every problem is reported with the setting's name,
//! where the value came from and how to fix it, so that a bad deployment fails at start and
//! not at the first request.

mod checks;
pub(crate) mod sources;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

pub use sources::{Source, CONFIG_FILE_VARIABLE, DEFAULT_CONFIG_FILE};

/// The default listen address: loopback only, so a fresh install is not reachable from outside.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default data folder, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "data";
/// The default folder of the built page, relative to the working directory.
pub const DEFAULT_FRONTEND_DIR: &str = "frontend/dist";
/// The default name sent in `EHLO`.
///
/// Strict servers reject a bare host name such as `localhost` or a container id
/// (`504 5.5.2 need fully-qualified hostname`), and the listen address is usually `127.0.0.1`,
/// so neither can serve as a default. `.invalid` is reserved (RFC 2606) and never resolves, so it
/// claims no real name and still passes the syntax check. Servers that also check that the name
/// resolves need `POSTAUSGANG_HELO_NAME` set to the machine's real DNS name.
pub const DEFAULT_HELO_NAME: &str = "postausgang.invalid";
/// The file name of the encryption key inside the data folder.
pub const KEY_FILE_NAME: &str = "secret.key";
/// The file name of the SQLite database inside the data folder.
pub const DATABASE_FILE_NAME: &str = "postausgang.sqlite3";

/// The validated settings of one running instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Address and port the HTTP server binds to. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Folder of the SQLite database and, by default, the key file. It exists and is writable.
    pub data_dir: PathBuf,
    /// File holding the key that encrypts stored SMTP passwords.
    pub key_file: PathBuf,
    /// Address ranges that sellers' SMTP hosts may resolve to although the private-address
    /// guard would block them, such as `127.0.0.0/8` in tests.
    pub allow_hosts: Vec<IpNet>,
    /// Fully qualified name (or address literal) sent in `EHLO`.
    pub helo_name: String,
    /// PEM file of extra root certificates that SMTP connections trust besides the system's.
    pub extra_root_certs: Option<PathBuf>,
    /// Folder of the built page. Without it, `/` serves a notice with the build command.
    pub frontend_dir: PathBuf,
    /// Whether the session cookie carries `Secure`; needed when a TLS proxy serves the page.
    pub secure_cookies: bool,
    /// The outbox's sending, retry and give-up settings (`POSTAUSGANG_OUTBOX_*`).
    pub outbox: crate::outbox::OutboxSettings,
    /// The limit on test mails per account and time window. Neither a variable nor a config
    /// key sets it, so tests and embedders change the default here.
    pub test_mail_limit: crate::routes::test_mail::TestMailLimit,
}

impl Settings {
    /// Returns the defaults with the data folder and key file moved to `data_dir`.
    ///
    /// Tests and embedders start from this and override single fields; nothing is checked.
    pub fn with_data_dir(data_dir: PathBuf) -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            key_file: data_dir.join(KEY_FILE_NAME),
            data_dir,
            allow_hosts: Vec::new(),
            helo_name: DEFAULT_HELO_NAME.to_owned(),
            extra_root_certs: None,
            frontend_dir: PathBuf::from(DEFAULT_FRONTEND_DIR),
            secure_cookies: false,
            outbox: crate::outbox::OutboxSettings::default(),
            test_mail_limit: crate::routes::test_mail::TestMailLimit::default(),
        }
    }

    /// Builds the SMTP client configuration for these settings with the given time limits:
    /// the EHLO name, the trusted roots (reading the extra roots file, if set) and the address
    /// ranges sellers' hosts may reach.
    ///
    /// # Errors
    /// The EHLO name is invalid, or the extra root certificates cannot be read or contain none.
    pub fn mailer_config(
        &self,
        timeouts: mailer::Timeouts,
    ) -> Result<mailer::MailerConfig, mailer::ConfigError> {
        let helo_name = mailer::HeloName::parse(&self.helo_name)?;
        let trust = match &self.extra_root_certs {
            Some(path) => mailer::TrustRoots::with_extra_roots_file(path)?,
            None => mailer::TrustRoots::public()?,
        };
        let allow = self
            .allow_hosts
            .iter()
            .fold(mailer::AllowList::public_only(), |allow, network| {
                allow.with_network(network.network(), network.prefix_len())
            });
        Ok(mailer::MailerConfig {
            helo_name,
            trust,
            allow,
            timeouts,
        })
    }

    /// Loads the settings from the config file and the process environment, and checks them.
    ///
    /// The config file is `$POSTAUSGANG_CONFIG` if set (then it must exist), otherwise
    /// `postausgang.toml` in the working directory if present.
    ///
    /// # Errors
    /// Returns every problem found, each naming the setting and the fix.
    pub fn load() -> Result<Settings, ConfigError> {
        let environment: Vec<(String, String)> = std::env::vars().collect();
        for name in sources::unknown_variables(&environment) {
            tracing::warn!(variable = %name, "ignoring an unknown POSTAUSGANG_ variable; check its spelling");
        }
        Settings::from_environment(&environment)
    }

    /// Loads the settings from the given environment variables and the config file they name.
    ///
    /// # Errors
    /// Returns every problem found, each naming the setting and the fix.
    pub fn from_environment(environment: &[(String, String)]) -> Result<Settings, ConfigError> {
        let mut raw = sources::collect(environment).map_err(|problem| ConfigError {
            problems: vec![problem],
        })?;
        let outbox = crate::outbox::OutboxSettings::from_values(&std::mem::take(&mut raw.outbox));
        match (checks::check(raw), outbox) {
            (Ok(settings), Ok(outbox)) => Ok(Settings { outbox, ..settings }),
            (Ok(_), Err(problems)) => Err(ConfigError { problems }),
            (Err(error), Ok(_)) => Err(error),
            (Err(mut error), Err(problems)) => {
                error.problems.extend(problems);
                Err(error)
            }
        }
    }

    /// Returns the path of the SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE_NAME)
    }

    /// Returns whether the built page is there to be served.
    pub fn frontend_is_built(&self) -> bool {
        self.frontend_dir.join("index.html").is_file()
    }
}

/// One invalid setting: which one, from where, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// The environment variable's name, such as `POSTAUSGANG_LISTEN`.
    pub setting: &'static str,
    pub source: Source,
    /// The problem, including the rejected value.
    pub problem: String,
    /// The fix: what to set instead.
    pub fix: String,
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} ({}): {} {}",
            self.setting, self.source, self.problem, self.fix
        )
    }
}

/// All problems found while loading the settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<SettingProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "invalid settings:")?;
        for problem in &self.problems {
            write!(formatter, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// Returns the problem reported for one setting, for tests and callers that react to one.
    pub fn problem_for(&self, setting: &str) -> Option<&SettingProblem> {
        self.problems.iter().find(|problem| problem.setting == setting)
    }
}

/// Returns the path as given when absolute, or joined to the working directory, for logs.
pub fn display_path(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
