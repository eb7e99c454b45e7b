//! The outbox's settings: workers, retries, auto-deactivation, size limit and connection reuse.
//!
//! They come from `POSTAUSGANG_OUTBOX_*` environment variables or the config file's `[outbox]`
//! table. Each has a default that suits a shop, and tests set the fields directly to run in
//! seconds.

use std::time::Duration;

use crate::settings::sources::Raw;
use crate::settings::{SettingProblem, Source};

/// Every environment variable this module reads.
pub const VARIABLES: &[&str] = &[
    "POSTAUSGANG_OUTBOX_WORKERS",
    "POSTAUSGANG_OUTBOX_CONNECTIONS_PER_SERVER",
    "POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS",
    "POSTAUSGANG_OUTBOX_RETRY_MAX_DELAY_SECS",
    "POSTAUSGANG_OUTBOX_GIVE_UP_AFTER_SECS",
    "POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES",
    "POSTAUSGANG_OUTBOX_MAX_MESSAGE_BYTES",
];

/// The outbox's settings for sending, retrying and giving up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxSettings {
    /// Mails sent at the same time, over all servers. Each worker uses at most one connection.
    pub workers: usize,
    /// Open connections per server at most. Providers limit parallel connections per account.
    pub connections_per_server: usize,
    /// The wait before the second attempt; each further attempt waits twice as long, up to
    /// `retry_max_delay`, with up to half of it as random jitter.
    pub retry_first_delay: Duration,
    pub retry_max_delay: Duration,
    /// A mail still failing this long after it was accepted fails for good.
    pub give_up_after: Duration,
    /// Failed sends in a row, caused by the server (connection, TLS, login), after which the
    /// server is deactivated and its mail waits. Failures within half of `retry_first_delay`
    /// after the last counted one count once.
    pub deactivate_after_failures: u32,
    /// The largest mail accepted: text, HTML and decoded attachments together.
    pub max_message_bytes: usize,
    /// Mails claimed at once by one worker, all for the same server.
    pub batch_size: usize,
    /// How often idle workers look for due mail; new mail wakes them at once.
    pub poll_interval: Duration,
    /// A pooled connection idle longer than this is closed instead of reused.
    pub idle_connection_timeout: Duration,
    /// A pooled connection that has sent this many mails is closed and replaced.
    pub max_messages_per_connection: u32,
    /// The time limit of opening a connection: resolve, connect, TLS, greeting, EHLO and login.
    pub open_timeout: Duration,
    /// The time limit of one mail on an open connection: MAIL FROM to the reply after DATA.
    pub send_timeout: Duration,
}

impl Default for OutboxSettings {
    fn default() -> OutboxSettings {
        OutboxSettings {
            workers: 8,
            // NOTE: a guess at what providers tolerate; none of the presets documents a number.
            connections_per_server: 4,
            retry_first_delay: Duration::from_secs(60),
            retry_max_delay: Duration::from_secs(60 * 60),
            give_up_after: Duration::from_secs(24 * 60 * 60),
            deactivate_after_failures: 5,
            max_message_bytes: 10 * 1024 * 1024,
            // A claim waits for the writer's commit and its fsync, and the connection idles
            // meanwhile. With 32 mails a batch, the drain of the outbox benchmark ran at about
            // half the rate it reaches with 128.
            batch_size: 128,
            poll_interval: Duration::from_secs(1),
            idle_connection_timeout: Duration::from_secs(30),
            max_messages_per_connection: 500,
            open_timeout: Duration::from_secs(120),
            // RFC 5321, section 4.5.3.2, recommends that clients wait 10 minutes for the reply
            // after the message. 5 minutes covers the commands and a slow content scan.
            send_timeout: Duration::from_secs(300),
        }
    }
}

impl OutboxSettings {
    /// Reads the `POSTAUSGANG_OUTBOX_*` variables over the defaults.
    ///
    /// # Errors
    /// Returns a problem for every variable that is not a whole number in its range.
    pub fn from_environment(environment: &[(String, String)]) -> Result<OutboxSettings, Vec<SettingProblem>> {
        let values: Vec<(&'static str, Raw<String>)> = VARIABLES
            .iter()
            .filter_map(|&name| {
                let (_, value) = environment.iter().find(|(key, _)| key == name)?;
                let value = Raw {
                    value: value.clone(),
                    source: Source::Environment,
                };
                Some((name, value))
            })
            .collect();
        OutboxSettings::from_values(&values)
    }

    /// Reads the values found in the config file and the environment, by variable name, over
    /// the defaults.
    ///
    /// # Errors
    /// Returns a problem for every value that is not a whole number in its range.
    pub(crate) fn from_values(
        values: &[(&'static str, Raw<String>)],
    ) -> Result<OutboxSettings, Vec<SettingProblem>> {
        let lookup = |name: &str| values.iter().find(|(key, _)| *key == name).map(|(_, raw)| raw);
        let mut settings = OutboxSettings::default();
        let mut problems = Vec::new();
        let mut read = |name: &'static str, range: std::ops::RangeInclusive<u64>, unit: &str| {
            let raw = lookup(name)?;
            let value = raw.value.trim();
            match value.parse::<u64>() {
                Ok(number) if range.contains(&number) => Some(number),
                _ => {
                    let default = match raw.source {
                        Source::File { .. } => "remove the key",
                        _ => "unset it",
                    };
                    problems.push(SettingProblem {
                        setting: name,
                        source: raw.source.clone(),
                        problem: format!(
                            "\"{value}\" is not a whole number from {} to {}.",
                            range.start(),
                            range.end()
                        ),
                        fix: format!("Set it to {unit} in that range, or {default} to use the default."),
                    });
                    None
                }
            }
        };

        if let Some(workers) = read(
            "POSTAUSGANG_OUTBOX_WORKERS",
            1..=256,
            "the number of parallel sends",
        ) {
            settings.workers = workers as usize;
        }
        if let Some(connections) = read(
            "POSTAUSGANG_OUTBOX_CONNECTIONS_PER_SERVER",
            1..=64,
            "the number of connections",
        ) {
            settings.connections_per_server = connections as usize;
        }
        if let Some(seconds) = read("POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS", 1..=86_400, "seconds") {
            settings.retry_first_delay = Duration::from_secs(seconds);
        }
        if let Some(seconds) = read("POSTAUSGANG_OUTBOX_RETRY_MAX_DELAY_SECS", 1..=86_400, "seconds") {
            settings.retry_max_delay = Duration::from_secs(seconds);
        }
        if let Some(seconds) = read("POSTAUSGANG_OUTBOX_GIVE_UP_AFTER_SECS", 60..=2_592_000, "seconds") {
            settings.give_up_after = Duration::from_secs(seconds);
        }
        if let Some(failures) = read(
            "POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES",
            1..=1000,
            "the number of failed sends",
        ) {
            settings.deactivate_after_failures = failures as u32;
        }
        if let Some(bytes) = read(
            "POSTAUSGANG_OUTBOX_MAX_MESSAGE_BYTES",
            1024..=100 * 1024 * 1024,
            "a size in bytes",
        ) {
            settings.max_message_bytes = bytes as usize;
        }
        if settings.retry_first_delay > settings.retry_max_delay {
            let source = lookup("POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS")
                .map_or(Source::Default, |raw| raw.source.clone());
            problems.push(SettingProblem {
                setting: "POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS",
                source,
                problem: format!(
                    "the first retry delay ({} s) is longer than the longest one (POSTAUSGANG_OUTBOX_RETRY_MAX_DELAY_SECS, {} s).",
                    settings.retry_first_delay.as_secs(),
                    settings.retry_max_delay.as_secs()
                ),
                fix: "Lower the first delay or raise the longest delay.".to_owned(),
            });
        }

        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(problems)
        }
    }

    /// Returns the largest request body `POST /api/messages` accepts: base64 makes attachments
    /// a third larger, and the JSON around them needs some room.
    pub fn max_request_bytes(&self) -> usize {
        self.max_message_bytes / 3 * 4 + 64 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_without_variables() {
        let settings = OutboxSettings::from_environment(&[]).expect("defaults are valid");
        assert_eq!(settings, OutboxSettings::default());
        assert_eq!(settings.give_up_after, Duration::from_secs(86_400));
        assert_eq!(settings.deactivate_after_failures, 5);
        assert_eq!(settings.max_message_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn variables_override_defaults() {
        let settings = OutboxSettings::from_environment(&environment(&[
            ("POSTAUSGANG_OUTBOX_WORKERS", "2"),
            ("POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS", "5"),
            ("POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES", "3"),
        ]))
        .expect("valid values");
        assert_eq!(settings.workers, 2);
        assert_eq!(settings.retry_first_delay, Duration::from_secs(5));
        assert_eq!(settings.deactivate_after_failures, 3);
    }

    #[test]
    fn first_retry_delay_above_longest_is_invalid() {
        let problems = OutboxSettings::from_environment(&environment(&[
            ("POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS", "7200"),
            ("POSTAUSGANG_OUTBOX_RETRY_MAX_DELAY_SECS", "60"),
        ]))
        .expect_err("the first delay is longer than the longest");

        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].setting, "POSTAUSGANG_OUTBOX_RETRY_FIRST_DELAY_SECS");
        assert!(problems[0].problem.contains("7200 s"), "{}", problems[0]);
    }

    #[test]
    fn invalid_value_names_setting_and_range() {
        let problems = OutboxSettings::from_environment(&environment(&[(
            "POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES",
            "0",
        )]))
        .expect_err("0 is out of range");

        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].setting,
            "POSTAUSGANG_OUTBOX_DEACTIVATE_AFTER_FAILURES"
        );
        assert_eq!(problems[0].problem, "\"0\" is not a whole number from 1 to 1000.");
    }
}
