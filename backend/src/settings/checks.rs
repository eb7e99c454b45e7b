//! Checks of each raw setting value, turning it into its typed form or a fix-it message.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use super::sources::{Raw, RawSettings, Source};
use super::{
    ConfigError, SettingProblem, Settings, DEFAULT_DATA_DIR, DEFAULT_FRONTEND_DIR, DEFAULT_HELO_NAME,
    DEFAULT_LISTEN, KEY_FILE_NAME,
};

/// Checks every raw value and returns the settings, or all problems at once.
pub(super) fn check(raw: RawSettings) -> Result<Settings, ConfigError> {
    let mut problems = Vec::new();
    let problems_list = &mut problems;

    let listen = keep(
        check_listen(or_default(raw.listen, DEFAULT_LISTEN)),
        problems_list,
    );
    let data_dir = keep(
        check_data_dir(or_default(raw.data_dir, DEFAULT_DATA_DIR)),
        problems_list,
    );
    let key_file = keep(check_key_file(raw.key_file, data_dir.as_deref()), problems_list);
    let allow_hosts = keep(check_allow_hosts(raw.allow_hosts), problems_list);
    let helo_name = keep(
        check_helo_name(or_default(raw.helo_name, DEFAULT_HELO_NAME)),
        problems_list,
    );
    let extra_root_certs = keep(check_extra_root_certs(raw.extra_root_certs), problems_list);
    let frontend_dir = keep(
        check_frontend_dir(or_default(raw.frontend_dir, DEFAULT_FRONTEND_DIR)),
        problems_list,
    );
    let secure_cookies = keep(check_secure_cookies(raw.secure_cookies), problems_list);

    match (
        listen,
        data_dir,
        key_file,
        allow_hosts,
        helo_name,
        extra_root_certs,
        frontend_dir,
        secure_cookies,
    ) {
        (
            Some(listen),
            Some(data_dir),
            Some(key_file),
            Some(allow_hosts),
            Some(helo_name),
            Some(extra_root_certs),
            Some(frontend_dir),
            Some(secure_cookies),
        ) => Ok(Settings {
            listen,
            data_dir,
            key_file,
            allow_hosts,
            helo_name,
            extra_root_certs,
            frontend_dir,
            secure_cookies,
            outbox: crate::outbox::OutboxSettings::default(),
            test_mail_limit: crate::routes::test_mail::TestMailLimit::default(),
        }),
        _ => Err(ConfigError { problems }),
    }
}

/// Returns the checked value, or records its problem and returns `None`.
fn keep<T>(result: Result<T, SettingProblem>, problems: &mut Vec<SettingProblem>) -> Option<T> {
    result.map_err(|problem| problems.push(problem)).ok()
}

fn or_default(raw: Option<Raw<String>>, default: &str) -> Raw<String> {
    raw.unwrap_or_else(|| Raw {
        value: default.to_owned(),
        source: Source::Default,
    })
}

fn problem(setting: &'static str, source: &Source, problem: String, fix: &str) -> SettingProblem {
    SettingProblem {
        setting,
        source: source.clone(),
        problem,
        fix: fix.to_owned(),
    }
}

pub(super) fn check_listen(raw: Raw<String>) -> Result<SocketAddr, SettingProblem> {
    raw.value.trim().parse().map_err(|_| {
        problem(
            "POSTAUSGANG_LISTEN",
            &raw.source,
            format!("\"{}\" is not an IP address with a port.", raw.value),
            "Set it to an address and port such as 127.0.0.1:8080, or [::1]:8080 for IPv6; \
             host names such as localhost are not accepted.",
        )
    })
}

pub(super) fn check_data_dir(raw: Raw<String>) -> Result<PathBuf, SettingProblem> {
    let fix = "Point it to a folder that this user can create and write, such as /var/lib/postausgang, \
               or fix the owner and permissions of the folder.";
    if raw.value.trim().is_empty() {
        return Err(problem(
            "POSTAUSGANG_DATA_DIR",
            &raw.source,
            "the value is empty.".to_owned(),
            fix,
        ));
    }
    let path = PathBuf::from(&raw.value);
    ensure_writable_dir(&path).map_err(|detail| {
        problem(
            "POSTAUSGANG_DATA_DIR",
            &raw.source,
            format!("cannot use \"{}\" as the data folder: {detail}.", path.display()),
            fix,
        )
    })?;
    Ok(path)
}

/// Creates the folder if missing (readable only by this user) and checks that a file can be
/// written in it. Both steps matter: permissions alone do not tell, for example on a read-only
/// mount.
fn ensure_writable_dir(path: &Path) -> Result<(), String> {
    if path.exists() && !path.is_dir() {
        return Err("it exists but is not a folder".to_owned());
    }
    create_private_dir(path).map_err(|error| format!("creating it failed ({error})"))?;

    let probe = path.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|error| format!("writing a file in it failed ({error})"))?;
    std::fs::remove_file(&probe).map_err(|error| format!("removing a test file from it failed ({error})"))
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

fn check_key_file(raw: Option<Raw<String>>, data_dir: Option<&Path>) -> Result<PathBuf, SettingProblem> {
    let Some(raw) = raw else {
        // Without a usable data folder there is no default; that folder's problem is reported.
        return Ok(data_dir.map(|dir| dir.join(KEY_FILE_NAME)).unwrap_or_default());
    };
    let path = PathBuf::from(&raw.value);
    if raw.value.trim().is_empty() || path.is_dir() {
        return Err(problem(
            "POSTAUSGANG_KEY_FILE",
            &raw.source,
            format!("\"{}\" is not a file path.", raw.value),
            "Set it to the path of the key file (created on first start), or unset it to use \
             secret.key in the data folder.",
        ));
    }
    Ok(path)
}

pub(super) fn check_allow_hosts(raw: Option<Raw<Vec<String>>>) -> Result<Vec<IpNet>, SettingProblem> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.value
        .iter()
        .map(|entry| {
            parse_range(entry).ok_or_else(|| {
                problem(
                    "POSTAUSGANG_ALLOW_HOSTS",
                    &raw.source,
                    format!("\"{entry}\" is not an address range."),
                    "Write ranges in CIDR notation, separated by commas, such as 127.0.0.0/8,::1/128; \
                     a single address such as 127.0.0.1 is also accepted.",
                )
            })
        })
        .collect()
}

/// Parses `127.0.0.0/8` or a single address. Host bits are cleared, so `127.0.0.1/8` means
/// the whole `127.0.0.0/8`.
fn parse_range(entry: &str) -> Option<IpNet> {
    if let Ok(range) = entry.parse::<IpNet>() {
        return Some(range.trunc());
    }
    entry.parse::<IpAddr>().ok().map(IpNet::from)
}

pub(super) fn check_helo_name(raw: Raw<String>) -> Result<String, SettingProblem> {
    let name = raw.value.trim().to_ascii_lowercase();
    if is_fully_qualified_name(&name) && !is_localhost(&name) {
        return Ok(name);
    }
    Err(problem(
        "POSTAUSGANG_HELO_NAME",
        &raw.source,
        format!("\"{}\" is not a fully qualified host name.", raw.value),
        "Set it to this machine's DNS name with at least one dot, such as mail.shop.example; strict \
         SMTP servers reject bare names and localhost.",
    ))
}

/// Returns whether `name` is a dotted name of letters, digits and hyphens whose top label is not
/// numeric (RFC 1123).
fn is_fully_qualified_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_is_alphabetic = labels
        .last()
        .is_some_and(|top| top.bytes().any(|byte| byte.is_ascii_alphabetic()));
    name.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && top_is_alphabetic
}

fn is_localhost(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost.localdomain" || name.ends_with(".localhost")
}

fn check_extra_root_certs(raw: Option<Raw<String>>) -> Result<Option<PathBuf>, SettingProblem> {
    let Some(raw) = raw else { return Ok(None) };
    let path = PathBuf::from(&raw.value);
    let count = count_pem_certificates(&path).map_err(|detail| {
        problem(
            "POSTAUSGANG_EXTRA_ROOT_CERTS",
            &raw.source,
            format!("cannot use \"{}\": {detail}.", path.display()),
            "Point it to a readable PEM file with one or more \"-----BEGIN CERTIFICATE-----\" \
             blocks, or unset it to trust only the system's certificates.",
        )
    })?;
    tracing::debug!(certificates = count, "extra root certificates are readable");
    Ok(Some(path))
}

fn count_pem_certificates(path: &Path) -> Result<usize, String> {
    let certificates = CertificateDer::pem_file_iter(path).map_err(|error| error.to_string())?;
    let count = certificates
        .map(|certificate| certificate.map_err(|error| error.to_string()))
        .try_fold(0, |count, certificate| certificate.map(|_| count + 1))?;
    if count == 0 {
        return Err("the file contains no certificate".to_owned());
    }
    Ok(count)
}

fn check_frontend_dir(raw: Raw<String>) -> Result<PathBuf, SettingProblem> {
    let path = PathBuf::from(&raw.value);
    if path.exists() && !path.is_dir() {
        return Err(problem(
            "POSTAUSGANG_FRONTEND_DIR",
            &raw.source,
            format!("\"{}\" exists but is not a folder.", path.display()),
            "Point it to the folder that scripts/build-frontend.sh writes (frontend/dist), or unset it.",
        ));
    }
    Ok(path)
}

fn check_secure_cookies(raw: Option<Raw<String>>) -> Result<bool, SettingProblem> {
    let Some(raw) = raw else { return Ok(false) };
    match raw.value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(problem(
            "POSTAUSGANG_SECURE_COOKIES",
            &raw.source,
            format!("\"{}\" is not true or false.", raw.value),
            "Set it to true when a TLS proxy serves the page over HTTPS, otherwise to false.",
        )),
    }
}

#[cfg(test)]
mod tests;
