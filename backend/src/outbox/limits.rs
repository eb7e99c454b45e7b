//! Per-server sending limits: the stored values, and the sliding windows that hold mail back.
//!
//! Some providers refuse mail above their limit, and some accept it and drop it silently, so
//! the outbox keeps mail in the queue instead of sending above the limit. Every attempt counts,
//! because the provider counts what it receives, not what it accepted.

use std::collections::{HashMap, VecDeque};

use rusqlite::{params, OptionalExtension};
use shared::outbox::{preset_sending_limits, LimitSource, SendingLimits};

use crate::store::{now_unix, ServerId, Store, StoreError};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;

/// A server's effective limits and where they come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveLimits {
    pub limits: SendingLimits,
    pub source: LimitSource,
    pub preset: SendingLimits,
}

/// Returns the limits that apply: the seller's, where set, else the preset's.
pub fn effective_limits(provider: &str, custom: Option<SendingLimits>) -> EffectiveLimits {
    let preset = preset_sending_limits(provider);
    match custom {
        Some(limits) => EffectiveLimits {
            limits,
            source: LimitSource::Custom,
            preset,
        },
        None => EffectiveLimits {
            limits: preset,
            source: LimitSource::Preset,
            preset,
        },
    }
}

/// The attempt times of one server within the last hour, oldest first.
#[derive(Debug, Default)]
struct Window {
    attempts_ms: VecDeque<i64>,
    /// Whether the attempts before this process started were loaded.
    seeded: bool,
}

/// The sliding windows of every server with a limit.
#[derive(Debug, Default)]
pub struct Limiter {
    windows: HashMap<ServerId, Window>,
}

impl Limiter {
    /// Returns whether the server's window still needs the attempts made before this process
    /// started (see [`Store::recent_attempts`]).
    pub fn needs_seed(&self, server: ServerId, limits: SendingLimits) -> bool {
        has_limit(limits) && !self.windows.get(&server).is_some_and(|window| window.seeded)
    }

    /// Adds attempts made before this process started.
    pub fn seed(&mut self, server: ServerId, mut attempts_ms: Vec<i64>) {
        let window = self.windows.entry(server).or_default();
        if window.seeded {
            return;
        }
        attempts_ms.extend(window.attempts_ms.drain(..));
        attempts_ms.sort_unstable();
        window.attempts_ms = attempts_ms.into();
        window.seeded = true;
    }

    /// Returns how many attempts the limits allow now; `usize::MAX` without limits.
    pub fn allowance(&mut self, server: ServerId, limits: SendingLimits, now_ms: i64) -> usize {
        if !has_limit(limits) {
            return usize::MAX;
        }
        let window = self.windows.entry(server).or_default();
        while window
            .attempts_ms
            .front()
            .is_some_and(|at| *at <= now_ms - HOUR_MS)
        {
            window.attempts_ms.pop_front();
        }
        let in_last_minute = window
            .attempts_ms
            .iter()
            .rev()
            .take_while(|at| **at > now_ms - MINUTE_MS)
            .count();
        let room = |limit: Option<u32>, used: usize| {
            limit.map_or(usize::MAX, |limit| (limit as usize).saturating_sub(used))
        };
        room(limits.per_minute, in_last_minute).min(room(limits.per_hour, window.attempts_ms.len()))
    }

    /// Counts `count` attempts starting now.
    pub fn record(&mut self, server: ServerId, limits: SendingLimits, count: usize, now_ms: i64) {
        if !has_limit(limits) {
            return;
        }
        let window = self.windows.entry(server).or_default();
        window.attempts_ms.extend(std::iter::repeat_n(now_ms, count));
    }

    /// Takes back attempts counted by [`Limiter::record`] that did not happen.
    pub fn unrecord(&mut self, server: ServerId, count: usize) {
        if let Some(window) = self.windows.get_mut(&server) {
            for _ in 0..count {
                window.attempts_ms.pop_back();
            }
        }
    }
}

fn has_limit(limits: SendingLimits) -> bool {
    limits.per_minute.is_some() || limits.per_hour.is_some()
}

impl Store {
    /// Loads the limits the seller set for a server; `None` when the preset's apply.
    pub async fn custom_sending_limits(&self, server: ServerId) -> Result<Option<SendingLimits>, StoreError> {
        self.run(move |connection| {
            let limits = connection
                .query_row(
                    "SELECT per_minute, per_hour FROM server_sending_limits WHERE server_id = ?1",
                    [server.0],
                    |row| {
                        Ok(SendingLimits {
                            per_minute: row.get(0)?,
                            per_hour: row.get(1)?,
                        })
                    },
                )
                .optional()?;
            Ok(limits)
        })
        .await
    }

    /// Stores the seller's limits for a server, or removes them (`None`) so that the preset's
    /// apply again.
    pub async fn set_sending_limits(
        &self,
        server: ServerId,
        limits: Option<SendingLimits>,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            match limits {
                Some(limits) => connection.execute(
                    "INSERT INTO server_sending_limits (server_id, per_minute, per_hour, updated_at) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (server_id) DO UPDATE SET \
                     per_minute = excluded.per_minute, per_hour = excluded.per_hour, updated_at = excluded.updated_at",
                    params![server.0, limits.per_minute, limits.per_hour, now_unix()],
                )?,
                None => connection.execute("DELETE FROM server_sending_limits WHERE server_id = ?1", [server.0])?,
            };
            Ok(())
        })
        .await
    }

    /// Returns the start times of the server's attempts in the last hour, at most `max`, so that
    /// a restart does not forget what the provider already counted.
    pub async fn recent_attempts(
        &self,
        server: ServerId,
        now_ms: i64,
        max: usize,
    ) -> Result<Vec<i64>, StoreError> {
        self.run(move |connection| {
            let attempts = connection
                .prepare_cached(
                    "SELECT last_attempt_ms FROM messages WHERE server_id = ?1 AND last_attempt_ms > ?2 \
                     ORDER BY last_attempt_ms DESC LIMIT ?3",
                )?
                .query_map(params![server.0, now_ms - HOUR_MS, max as i64], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(attempts)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: ServerId = ServerId(1);

    fn per_minute(limit: u32) -> SendingLimits {
        SendingLimits {
            per_minute: Some(limit),
            per_hour: None,
        }
    }

    #[test]
    fn no_limit_allows_everything() {
        let mut limiter = Limiter::default();
        assert_eq!(limiter.allowance(SERVER, SendingLimits::NONE, 0), usize::MAX);
    }

    #[test]
    fn minute_window_fills_and_empties() {
        let mut limiter = Limiter::default();
        let limits = per_minute(3);

        limiter.record(SERVER, limits, 2, 1_000);
        assert_eq!(limiter.allowance(SERVER, limits, 2_000), 1);

        limiter.record(SERVER, limits, 1, 2_000);
        assert_eq!(limiter.allowance(SERVER, limits, 30_000), 0);

        assert_eq!(
            limiter.allowance(SERVER, limits, 61_001),
            2,
            "the first two left the window"
        );
    }

    #[test]
    fn hour_limit_applies_across_minutes() {
        let mut limiter = Limiter::default();
        let limits = SendingLimits {
            per_minute: Some(10),
            per_hour: Some(12),
        };

        limiter.record(SERVER, limits, 10, 0);
        assert_eq!(limiter.allowance(SERVER, limits, 120_000), 2);
    }

    #[test]
    fn seeded_attempts_count() {
        let mut limiter = Limiter::default();
        let limits = per_minute(5);
        assert!(limiter.needs_seed(SERVER, limits));

        limiter.seed(SERVER, vec![10_000, 20_000, 30_000]);

        assert!(!limiter.needs_seed(SERVER, limits));
        assert_eq!(limiter.allowance(SERVER, limits, 40_000), 2);
    }

    #[test]
    fn unrecord_gives_back_unused_attempts() {
        let mut limiter = Limiter::default();
        let limits = per_minute(5);

        limiter.record(SERVER, limits, 5, 0);
        limiter.unrecord(SERVER, 3);

        assert_eq!(limiter.allowance(SERVER, limits, 1), 3);
    }

    #[test]
    fn preset_limits_apply_without_custom_ones() {
        let effective = effective_limits("office365", None);
        assert_eq!(effective.limits.per_minute, Some(30));
        assert_eq!(effective.source, LimitSource::Preset);

        let custom = SendingLimits {
            per_minute: Some(5),
            per_hour: None,
        };
        let effective = effective_limits("office365", Some(custom));
        assert_eq!(effective.limits, custom);
        assert_eq!(effective.source, LimitSource::Custom);
    }
}
