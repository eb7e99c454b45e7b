//! The throttle for failed logins, per email address and per client address.
//!
//! The failures are stored in the database, so a restart does not reset the count. Only
//! failures are counted. A login attempt while locked is rejected without checking the password
//! and is not counted, so the lock ends on time even if the client keeps trying.

use std::time::Duration;

use crate::store::LoginFailureTimes;

/// Limits on failed logins within a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures for one email address, from any client, that lock that address.
    pub per_email: usize,
    /// Failures from one client address, for any email address, that lock that client. Higher,
    /// because several sellers may share an office's address.
    pub per_client: usize,
    pub window: Duration,
}

/// The limits in force: 5 failures per address or 20 per client within 15 minutes.
pub const LOGIN_THROTTLE: LoginThrottle = LoginThrottle {
    per_email: 5,
    per_client: 20,
    window: Duration::from_secs(15 * 60),
};

impl LoginThrottle {
    /// Returns the oldest failure time still inside the window that ends at `now`.
    pub fn window_start(&self, now: i64) -> i64 {
        now - self.window.as_secs() as i64
    }

    /// Returns how long the caller must wait, when either limit is reached.
    ///
    /// `failures` must hold the times inside the window, oldest first.
    pub fn retry_after(&self, failures: &LoginFailureTimes, now: i64) -> Option<Duration> {
        let by_email = self.wait_for(&failures.by_email, self.per_email, now);
        let by_client = self.wait_for(&failures.by_client, self.per_client, now);
        by_email.max(by_client)
    }

    /// Returns the wait until so many failures have left the window that fewer than `limit` remain.
    fn wait_for(&self, times: &[i64], limit: usize, now: i64) -> Option<Duration> {
        if limit == 0 || times.len() < limit {
            return None;
        }
        let unlock_at = times[times.len() - limit] + self.window.as_secs() as i64;
        Some(Duration::from_secs(unlock_at.saturating_sub(now).max(1) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    fn failures(by_email: Vec<i64>, by_client: Vec<i64>) -> LoginFailureTimes {
        LoginFailureTimes { by_email, by_client }
    }

    #[test]
    fn below_limits_is_not_throttled() {
        let times = failures(vec![NOW - 10; 4], vec![NOW - 10; 19]);

        assert_eq!(LOGIN_THROTTLE.retry_after(&times, NOW), None);
    }

    #[test]
    fn address_lock_ends_with_oldest_failure() {
        let times = failures(vec![NOW - 600, NOW - 50, NOW - 40, NOW - 30, NOW - 20], vec![]);

        let wait = LOGIN_THROTTLE.retry_after(&times, NOW);

        assert_eq!(
            wait,
            Some(Duration::from_secs(300)),
            "900 s window minus 600 s since the oldest"
        );
    }

    #[test]
    fn client_limit_applies_across_addresses() {
        let times = failures(vec![], vec![NOW - 100; 20]);

        let wait = LOGIN_THROTTLE.retry_after(&times, NOW);

        assert_eq!(wait, Some(Duration::from_secs(800)));
    }

    #[test]
    fn longer_of_both_locks_wins() {
        let times = failures(vec![NOW - 800; 5], vec![NOW - 100; 20]);

        assert_eq!(
            LOGIN_THROTTLE.retry_after(&times, NOW),
            Some(Duration::from_secs(800))
        );
    }
}
