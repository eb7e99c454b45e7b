//! The per-account limit on test mails: at most so many within a sliding window.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::AccountId;

/// The limit on test mails that one account may send within `window`.
///
/// A seller fixing settings tries a handful of times; more looks like someone using the button
/// to probe hosts or ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestMailLimit {
    pub max_mails: usize,
    pub window: Duration,
}

impl Default for TestMailLimit {
    /// 10 test mails per 10 minutes.
    fn default() -> TestMailLimit {
        TestMailLimit {
            max_mails: 10,
            window: Duration::from_secs(10 * 60),
        }
    }
}

/// The start times of each account's recent test mails. They live in memory, so a restart
/// clears them.
#[derive(Debug)]
pub(super) struct TestMailCounter {
    limit: TestMailLimit,
    recent: Mutex<HashMap<AccountId, VecDeque<Instant>>>,
}

impl TestMailCounter {
    pub(super) fn new(limit: TestMailLimit) -> TestMailCounter {
        TestMailCounter {
            limit,
            recent: Mutex::default(),
        }
    }

    /// Counts a test mail of `account` now, or returns how long the account must wait when it
    /// has reached the limit. A refused request is not counted.
    pub(super) fn take_slot(&self, account: AccountId) -> Result<(), Duration> {
        self.take_slot_at(account, Instant::now())
    }

    fn take_slot_at(&self, account: AccountId, now: Instant) -> Result<(), Duration> {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        // Dropping every expired entry keeps the map as small as the set of recently active
        // accounts. Sweeping it all costs little, because the limit keeps that set small.
        recent.retain(|_, started| {
            forget_expired(started, now, self.limit.window);
            !started.is_empty()
        });

        let started = recent.entry(account).or_default();
        if started.len() >= self.limit.max_mails {
            let oldest = started.front().copied().unwrap_or(now);
            return Err(self.limit.window.saturating_sub(now.duration_since(oldest)));
        }
        started.push_back(now);
        Ok(())
    }
}

fn forget_expired(started: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while started
        .front()
        .is_some_and(|at| now.duration_since(*at) >= window)
    {
        started.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(600);

    fn counter(max_mails: usize) -> TestMailCounter {
        TestMailCounter::new(TestMailLimit {
            max_mails,
            window: WINDOW,
        })
    }

    fn after(start: Instant, seconds: u64) -> Instant {
        start + Duration::from_secs(seconds)
    }

    #[test]
    fn limit_reached_after_max_mails() {
        let counter = counter(2);
        let start = Instant::now();

        assert_eq!(counter.take_slot_at(AccountId(1), start), Ok(()));
        assert_eq!(counter.take_slot_at(AccountId(1), after(start, 100)), Ok(()));

        assert_eq!(
            counter.take_slot_at(AccountId(1), after(start, 150)),
            Err(Duration::from_secs(450)),
            "the wait ends when the oldest mail leaves the window"
        );
    }

    #[test]
    fn accounts_are_counted_apart() {
        let counter = counter(1);
        let start = Instant::now();
        assert_eq!(counter.take_slot_at(AccountId(1), start), Ok(()));

        assert_eq!(counter.take_slot_at(AccountId(2), start), Ok(()));
        assert!(counter.take_slot_at(AccountId(1), start).is_err());
    }

    #[test]
    fn slot_frees_after_window() {
        let counter = counter(1);
        let start = Instant::now();
        assert_eq!(counter.take_slot_at(AccountId(1), start), Ok(()));
        assert!(counter.take_slot_at(AccountId(1), after(start, 599)).is_err());

        assert_eq!(counter.take_slot_at(AccountId(1), after(start, 600)), Ok(()));
    }

    #[test]
    fn refused_request_is_not_counted() {
        let counter = counter(1);
        let start = Instant::now();
        assert_eq!(counter.take_slot_at(AccountId(1), start), Ok(()));
        assert!(counter.take_slot_at(AccountId(1), after(start, 300)).is_err());

        // Had the refused request counted, the account would wait until second 900.
        assert_eq!(counter.take_slot_at(AccountId(1), after(start, 600)), Ok(()));
    }

    #[test]
    fn idle_accounts_are_forgotten() {
        let counter = counter(1);
        let start = Instant::now();
        assert_eq!(counter.take_slot_at(AccountId(1), start), Ok(()));

        assert_eq!(counter.take_slot_at(AccountId(2), after(start, 600)), Ok(()));

        let recent = counter.recent.lock().expect("not poisoned");
        assert!(!recent.contains_key(&AccountId(1)));
        assert!(recent.contains_key(&AccountId(2)));
    }
}
