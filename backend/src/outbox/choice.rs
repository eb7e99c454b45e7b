//! The choice of the server a mail goes through.
//!
//! The server the request names comes first. Without one, the active server whose sender is the
//! requested sender address is next, then one whose sender has the same domain, and last the
//! account's default server. An account whose servers are all deactivated by the system has no
//! default; its mail goes to the first of them and waits there rather than being rejected. Servers the system deactivated after failed sends still count here, because
//! their mail waits for them rather than moving to a server the seller did not pick.

use rusqlite::params;
use shared::{EmailAddress, Mailbox, NormalizedServer};

use crate::store::{AccountId, ServerId, Store, StoreError};

/// A server's data for the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: ServerId,
    /// Active, or deactivated by the system after failed sends (its mail waits for it).
    pub usable: bool,
    pub is_default: bool,
    pub sender: Mailbox,
}

/// The reason no server could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoServer {
    /// The request named a server the account does not have.
    NamedNotFound(i64),
    /// The request named a server that the seller switched off.
    NamedInactive(i64),
    /// The account has no usable server at all.
    NoneActive,
}

/// Chooses the server for a mail.
///
/// # Errors
/// The named server is missing or switched off, or no server is usable.
pub fn choose_server(
    candidates: &[Candidate],
    named: Option<i64>,
    sender: Option<&EmailAddress>,
) -> Result<ServerId, NoServer> {
    if let Some(named) = named {
        return match candidates.iter().find(|candidate| candidate.id.0 == named) {
            Some(candidate) if candidate.usable => Ok(candidate.id),
            Some(_) => Err(NoServer::NamedInactive(named)),
            None => Err(NoServer::NamedNotFound(named)),
        };
    }

    let usable = || candidates.iter().filter(|candidate| candidate.usable);
    let by_address =
        sender.and_then(|sender| usable().find(|candidate| same_address(&candidate.sender.address, sender)));
    let by_domain = || {
        sender.and_then(|sender| {
            usable().find(|candidate| {
                candidate
                    .sender
                    .address
                    .domain_ascii
                    .eq_ignore_ascii_case(&sender.domain_ascii)
            })
        })
    };
    let default = || usable().find(|candidate| candidate.is_default);
    let first_usable = || usable().next();

    by_address
        .or_else(by_domain)
        .or_else(default)
        .or_else(first_usable)
        .map(|candidate| candidate.id)
        .ok_or(NoServer::NoneActive)
}

/// Compares two addresses as providers do: the domain without regard to case, and the local
/// part too, although RFC 5321 lets a server treat it as case-sensitive.
fn same_address(first: &EmailAddress, second: &EmailAddress) -> bool {
    first.domain_ascii.eq_ignore_ascii_case(&second.domain_ascii)
        && first.local_part.to_lowercase() == second.local_part.to_lowercase()
}

impl Store {
    /// Loads the account's servers for the choice, with their validated settings.
    pub async fn load_server_candidates(
        &self,
        account: AccountId,
    ) -> Result<Vec<(Candidate, NormalizedServer)>, StoreError> {
        self.run(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, active, deactivated_at IS NOT NULL, is_default, settings_json \
                 FROM servers WHERE account_id = ?1 ORDER BY id",
            )?;
            let rows = statement
                .query_map(params![account.0], |row| {
                    Ok((
                        ServerId(row.get(0)?),
                        row.get::<_, bool>(1)?,
                        row.get::<_, bool>(2)?,
                        row.get::<_, bool>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(id, active, deactivated_by_system, is_default, settings_json)| {
                    let settings: NormalizedServer = serde_json::from_str(&settings_json)?;
                    let candidate = Candidate {
                        id,
                        usable: active || deactivated_by_system,
                        is_default,
                        sender: settings.sender.clone(),
                    };
                    Ok((candidate, settings))
                })
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> EmailAddress {
        let (local_part, domain) = text.split_once('@').expect("an address");
        EmailAddress {
            local_part: local_part.to_owned(),
            domain_unicode: domain.to_owned(),
            domain_ascii: domain.to_owned(),
        }
    }

    fn candidate(id: i64, sender: &str, usable: bool, is_default: bool) -> Candidate {
        Candidate {
            id: ServerId(id),
            usable,
            is_default,
            sender: Mailbox {
                display_name: None,
                address: address(sender),
            },
        }
    }

    fn servers() -> Vec<Candidate> {
        vec![
            candidate(1, "info@shop.example", true, true),
            candidate(2, "rechnung@buchhaltung.example", true, false),
            candidate(3, "versand@buchhaltung.example", true, false),
            candidate(4, "alt@alt.example", false, false),
        ]
    }

    #[test]
    fn named_server_wins() {
        assert_eq!(choose_server(&servers(), Some(3), None), Ok(ServerId(3)));
    }

    #[test]
    fn named_server_must_exist_and_be_on() {
        assert_eq!(
            choose_server(&servers(), Some(9), None),
            Err(NoServer::NamedNotFound(9))
        );
        assert_eq!(
            choose_server(&servers(), Some(4), None),
            Err(NoServer::NamedInactive(4))
        );
    }

    #[test]
    fn exact_sender_before_domain() {
        let sender = address("Versand@Buchhaltung.example");
        assert_eq!(choose_server(&servers(), None, Some(&sender)), Ok(ServerId(3)));
    }

    #[test]
    fn same_domain_when_no_exact_sender() {
        let sender = address("mahnung@buchhaltung.example");
        assert_eq!(choose_server(&servers(), None, Some(&sender)), Ok(ServerId(2)));
    }

    #[test]
    fn default_when_sender_unknown_or_absent() {
        let sender = address("max@anderswo.example");
        assert_eq!(choose_server(&servers(), None, Some(&sender)), Ok(ServerId(1)));
        assert_eq!(choose_server(&servers(), None, None), Ok(ServerId(1)));
    }

    #[test]
    fn switched_off_server_never_chosen_by_sender() {
        let sender = address("alt@alt.example");
        assert_eq!(choose_server(&servers(), None, Some(&sender)), Ok(ServerId(1)));
    }

    #[test]
    fn mail_waits_for_deactivated_server_without_default() {
        let servers = vec![
            candidate(4, "alt@alt.example", false, false),
            candidate(5, "info@shop.example", true, false),
        ];
        assert_eq!(choose_server(&servers, None, None), Ok(ServerId(5)));
    }

    #[test]
    fn no_usable_server() {
        let servers = vec![candidate(4, "alt@alt.example", false, false)];
        assert_eq!(choose_server(&servers, None, None), Err(NoServer::NoneActive));
    }
}
