//! Moving queued mail off servers that can no longer take it.
//!
//! A queued mail whose server was deleted, or switched off by the seller, goes to the server
//! the choice picks now (see `choice`), unless the request named that server: then it fails,
//! visibly, with the reason. Mail of a server that the system deactivated after failed sends
//! stays and waits for the server's reactivation.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use rusqlite::params;

use super::choice::{choose_server, Candidate};
use super::queue::{MessageId, Outcome};
use super::texts::Reason;
use super::writer::Writer;
use crate::store::{AccountId, ServerId, Store, StoreError};

/// The maximum number of orphans one sweep handles. The next sweep takes the rest.
const SWEEP_LIMIT: i64 = 500;

/// A queued mail without a usable server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub id: MessageId,
    pub account: AccountId,
    pub requested_server: Option<i64>,
    pub envelope_from: String,
    /// `None` when the server was deleted.
    pub server: Option<ServerId>,
}

/// Moves or fails every orphan found; returns how many were handled.
///
/// # Errors
/// The database failed.
pub async fn sweep_orphans(store: &Store, writer: &Writer) -> Result<usize, StoreError> {
    let orphans = store.orphaned_messages().await?;
    let mut candidates: HashMap<AccountId, Vec<Candidate>> = HashMap::new();
    for orphan in &orphans {
        let account_candidates = match candidates.entry(orphan.account) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let loaded = store.load_server_candidates(orphan.account).await?;
                entry.insert(loaded.into_iter().map(|(candidate, _)| candidate).collect())
            }
        };
        let outcome = settle_orphan(orphan, account_candidates);
        if let Outcome::Failed { reason, .. } = &outcome {
            tracing::warn!(mail_id = orphan.id.0, reason = %reason.code, "a queued mail has no usable server and fails");
        } else {
            tracing::info!(mail_id = orphan.id.0, "a queued mail moves to another server");
        }
        writer.record(outcome).await;
    }
    Ok(orphans.len())
}

/// Decides where an orphan goes.
pub fn settle_orphan(orphan: &Orphan, candidates: &[Candidate]) -> Outcome {
    if let Some(named) = orphan.requested_server {
        let reason = match orphan.server {
            None => Reason::named_server_deleted(named),
            Some(_) => Reason::named_server_inactive(named),
        };
        return Outcome::Failed {
            id: orphan.id,
            reply: None,
            reason,
        };
    }

    // NOTE: the moved mail keeps the From header and envelope sender built at acceptance, so a
    // server of another domain may reject it or the receiver's DMARC check may fail it.
    let sender = shared::parse_email_address(&orphan.envelope_from).ok();
    match choose_server(candidates, None, sender.as_ref()) {
        Ok(server) if Some(server) != orphan.server => Outcome::Reassigned {
            id: orphan.id,
            server,
        },
        _ => Outcome::Failed {
            id: orphan.id,
            reply: None,
            reason: Reason::no_active_server(),
        },
    }
}

impl Store {
    /// Returns queued mails whose server is deleted or switched off by the seller.
    pub async fn orphaned_messages(&self) -> Result<Vec<Orphan>, StoreError> {
        self.run(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, account_id, requested_server_id, envelope_from, server_id FROM messages \
                 WHERE status = 'queued' AND server_id IS NULL LIMIT ?1",
            )?;
            let mut orphans = statement
                .query_map(params![SWEEP_LIMIT], orphan_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;

            let mut statement = connection.prepare_cached(
                "SELECT m.id, m.account_id, m.requested_server_id, m.envelope_from, m.server_id \
                 FROM servers s JOIN messages m ON m.server_id = s.id AND m.status = 'queued' \
                 WHERE s.active = 0 AND s.deactivated_at IS NULL LIMIT ?1",
            )?;
            orphans.extend(
                statement
                    .query_map(params![SWEEP_LIMIT], orphan_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
            Ok(orphans)
        })
        .await
    }
}

fn orphan_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Orphan> {
    Ok(Orphan {
        id: MessageId(row.get(0)?),
        account: AccountId(row.get(1)?),
        requested_server: row.get(2)?,
        envelope_from: row.get(3)?,
        server: row.get::<_, Option<i64>>(4)?.map(ServerId),
    })
}

#[cfg(test)]
mod tests {
    use shared::{EmailAddress, Mailbox};

    use super::*;

    fn candidate(id: i64, sender: &str, usable: bool, is_default: bool) -> Candidate {
        let (local_part, domain) = sender.split_once('@').expect("an address");
        Candidate {
            id: ServerId(id),
            usable,
            is_default,
            sender: Mailbox {
                display_name: None,
                address: EmailAddress {
                    local_part: local_part.to_owned(),
                    domain_unicode: domain.to_owned(),
                    domain_ascii: domain.to_owned(),
                },
            },
        }
    }

    fn orphan(requested_server: Option<i64>, server: Option<i64>) -> Orphan {
        Orphan {
            id: MessageId(7),
            account: AccountId(1),
            requested_server,
            envelope_from: "info@shop.example".to_owned(),
            server: server.map(ServerId),
        }
    }

    #[test]
    fn orphan_of_deleted_server_moves_to_default() {
        let candidates = [candidate(2, "info@anders.example", true, true)];
        let outcome = settle_orphan(&orphan(None, None), &candidates);
        assert!(
            matches!(
                outcome,
                Outcome::Reassigned {
                    server: ServerId(2),
                    ..
                }
            ),
            "{outcome:?}"
        );
    }

    #[test]
    fn orphan_of_named_server_fails() {
        let candidates = [candidate(2, "info@shop.example", true, true)];
        let outcome = settle_orphan(&orphan(Some(1), None), &candidates);
        match outcome {
            Outcome::Failed { reason, .. } => assert_eq!(reason.code, "server_deleted"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn orphan_without_any_server_fails() {
        let candidates = [candidate(1, "info@shop.example", false, false)];
        let outcome = settle_orphan(&orphan(None, Some(1)), &candidates);
        match outcome {
            Outcome::Failed { reason, .. } => assert_eq!(reason.code, "no_active_server"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}
