//! Which server a mail goes through, the server's BCC copy, and auto-deactivation.

use std::time::Duration;

use serde_json::{json, Value};

use super::peer::{Behaviour, Peer};
use super::{address, loopback_server, mail, spawn_outbox, wait_until, OutboxApp};
use crate::helpers::json_body;

/// Three servers on three peers: the default (info@shop.example), one for invoices
/// (rechnung@buchhaltung.example) and one for shipping (versand@buchhaltung.example).
struct ThreeServers {
    app: OutboxApp,
    token: String,
    default: Peer,
    invoices: Peer,
    shipping: Peer,
    shipping_id: i64,
}

async fn three_servers() -> ThreeServers {
    let default = Peer::start(Behaviour::default()).await;
    let invoices = Peer::start(Behaviour::default()).await;
    let shipping = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut first = loopback_server(default.port(), "info@shop.example");
    first.is_default = true;
    app.add_server(first).await;
    app.add_server(loopback_server(invoices.port(), "rechnung@buchhaltung.example"))
        .await;
    let shipping_id = app
        .add_server(loopback_server(shipping.port(), "versand@buchhaltung.example"))
        .await
        .0;
    let token = app.create_token().await;
    ThreeServers {
        app,
        token,
        default,
        invoices,
        shipping,
        shipping_id,
    }
}

/// Sends the mail and waits until it is sent; returns its view.
async fn send(servers: &ThreeServers, body: &Value) -> Value {
    let id = servers.app.submit_ok(&servers.token, body).await;
    servers
        .app
        .wait_for_message(&servers.token, id, "the mail is sent", |message| {
            message["status"] == "sent"
        })
        .await
}

#[tokio::test]
async fn mail_goes_through_named_server() {
    let servers = three_servers().await;
    let mut body = mail("Versandbestätigung");
    body["server_id"] = json!(servers.shipping_id);

    let message = send(&servers, &body).await;

    assert_eq!(message["server_id"], json!(servers.shipping_id));
    assert_eq!(servers.shipping.accepted().len(), 1);
    assert_eq!(servers.default.accepted().len(), 0);
    let received = &servers.shipping.accepted()[0];
    assert_eq!(
        received.mail_from, "versand@buchhaltung.example",
        "From is the server's sender"
    );
}

#[tokio::test]
async fn mail_goes_through_server_with_sender_address() {
    let servers = three_servers().await;
    let mut body = mail("Versandbestätigung");
    body["from"] = json!("Versand <Versand@Buchhaltung.example>");

    send(&servers, &body).await;

    assert_eq!(
        servers.shipping.accepted().len(),
        1,
        "the exact address wins over the domain"
    );
    assert_eq!(servers.invoices.accepted().len(), 0);
    assert_eq!(
        servers.shipping.accepted()[0].header("From").as_deref(),
        Some("Versand <Versand@buchhaltung.example>")
    );
}

#[tokio::test]
async fn mail_goes_through_server_with_sender_domain() {
    let servers = three_servers().await;
    let mut body = mail("Mahnung");
    body["from"] = json!("mahnung@buchhaltung.example");

    send(&servers, &body).await;

    assert_eq!(
        servers.invoices.accepted().len(),
        1,
        "the first server of the domain"
    );
    assert_eq!(
        servers.invoices.accepted()[0].mail_from,
        "mahnung@buchhaltung.example"
    );
    assert_eq!(servers.default.accepted().len(), 0);
}

#[tokio::test]
async fn mail_goes_through_default_server() {
    let servers = three_servers().await;
    let mut with_other_sender = mail("Bestellung 2");
    with_other_sender["from"] = json!("max@anderswo.example");

    send(&servers, &mail("Bestellung 1")).await;
    send(&servers, &with_other_sender).await;

    assert_eq!(servers.default.accepted().len(), 2);
    assert_eq!(servers.default.accepted()[0].mail_from, "info@shop.example");
    assert_eq!(servers.default.accepted()[1].mail_from, "max@anderswo.example");
}

#[tokio::test]
async fn bcc_gets_envelope_copy_without_header() {
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    server.bcc = vec![
        address("archiv@shop.example"),
        address("buchhaltung@shop.example"),
    ];
    app.add_server(server).await;
    let token = app.create_token().await;

    let id = app.submit_ok(&token, &mail("Rechnung 4711")).await;
    app.wait_for_message(&token, id, "the mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;

    let received = &peer.accepted()[0];
    assert_eq!(
        received.rcpt_to,
        vec![
            "erika@kunde.example",
            "archiv@shop.example",
            "buchhaltung@shop.example"
        ]
    );
    assert_eq!(received.header("Bcc"), None);
    assert_eq!(
        received.header("To").as_deref(),
        Some("\"Erika Musterfrau\" <erika@kunde.example>")
    );
    assert!(
        !received.data.contains("archiv@shop.example"),
        "the BCC address is in no header"
    );
}

#[tokio::test]
async fn server_deactivated_after_repeated_failures() {
    // Arrange: the server refuses every session with 421; deactivation after 3 failures.
    let peer = Peer::start(Behaviour {
        greeting: "421 4.3.2 Service not available".to_owned(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;

    // Act
    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;
    wait_until("the server is deactivated", || async {
        !app.server_view(server).await["deactivated"].is_null()
    })
    .await;
    let view = app.server_view(server).await;
    let message = app
        .wait_for_message(&token, id, "the mail waits for the server", |message| {
            message["reason_code"] == "server_deactivated"
        })
        .await;

    // Assert
    assert_eq!(view["active"], false);
    assert_eq!(view["consecutive_failures"], 3);
    let reason = view["deactivated"]["reason"].as_str().expect("a reason");
    assert!(
        reason.starts_with("Deactivated after 3 failed sends in a row. Last error: "),
        "{reason}"
    );
    assert_eq!(message["status"], "queued", "the mail waits rather than failing");
    assert_eq!(message["attempts"], 3);
    assert!(
        message["reason"]
            .as_str()
            .is_some_and(|text| text.starts_with("Waiting: the server is deactivated (Deactivated after 3")),
        "{message}"
    );
    assert_eq!(peer.connections(), 3, "no further attempt after the deactivation");
}

#[tokio::test]
async fn reactivation_after_successful_check_sends_waiting_mail() {
    // Arrange: a deactivated server whose mail waits.
    let peer = Peer::start(Behaviour {
        greeting: "421 4.3.2 Service not available".to_owned(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;
    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;
    app.wait_for_message(&token, id, "the mail waits", |message| {
        message["reason_code"] == "server_deactivated"
    })
    .await;
    let reactivate = || {
        app.client
            .post(app.url(&format!("/api/servers/{}/reactivate", server.0)))
            .header("X-Requested-With", "postausgang")
            .header("Accept-Language", "en")
            .send()
    };

    // Act: a check against the still failing server, then one after it recovered.
    let failed_check = json_body(reactivate().await.expect("send")).await;
    peer.change(|behaviour| behaviour.greeting = "220 peer.test ESMTP back again".to_owned());
    let check = reactivate().await.expect("send");
    let check_status = check.status();
    let check = json_body(check).await;

    // Assert
    assert_eq!(failed_check["ok"], false);
    assert_eq!(failed_check["active"], false);
    assert_eq!(check_status, 200);
    assert_eq!(check["ok"], true);
    assert_eq!(check["active"], true);
    assert_eq!(check["verdict"], "connected");
    let message = app
        .wait_for_message(&token, id, "the waiting mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;
    assert_eq!(message["attempts"], 4);
    let view = app.server_view(server).await;
    assert_eq!(view["deactivated"], Value::Null);
    assert_eq!(view["consecutive_failures"], 0);
}

#[tokio::test]
async fn mail_of_deleted_server_moves_to_default() {
    // Arrange: the mail is queued for a server that keeps failing, then the seller deletes it.
    let failing = Peer::start(Behaviour {
        greeting: "421 4.3.2 Service not available".to_owned(),
        ..Behaviour::default()
    })
    .await;
    let working = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|outbox| outbox.deactivate_after_failures = 100).await;
    let mut default = loopback_server(working.port(), "info@shop.example");
    default.is_default = true;
    app.add_server(default).await;
    let doomed = app
        .add_server(loopback_server(failing.port(), "rechnung@buchhaltung.example"))
        .await;
    let token = app.create_token().await;
    let mut body = mail("Rechnung 4711");
    body["from"] = json!("rechnung@buchhaltung.example");
    let id = app.submit_ok(&token, &body).await;
    app.wait_for_message(&token, id, "a first attempt failed", |message| {
        message["attempts"].as_u64() >= Some(1)
    })
    .await;

    // Act
    let deleted = app
        .client
        .delete(app.url(&format!("/api/servers/{}", doomed.0)))
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("delete");

    // Assert
    assert_eq!(deleted.status(), 200);
    let message = app
        .wait_for_message(&token, id, "the mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;
    assert_eq!(working.accepted().len(), 1);
    assert_ne!(message["server_id"], json!(doomed.0));
}

#[tokio::test]
async fn mail_of_deleted_named_server_fails_visibly() {
    let failing = Peer::start(Behaviour {
        greeting: "421 4.3.2 Service not available".to_owned(),
        ..Behaviour::default()
    })
    .await;
    let working = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|outbox| outbox.deactivate_after_failures = 100).await;
    let mut default = loopback_server(working.port(), "info@shop.example");
    default.is_default = true;
    app.add_server(default).await;
    let named = app
        .add_server(loopback_server(failing.port(), "rechnung@buchhaltung.example"))
        .await;
    let token = app.create_token().await;
    let mut body = mail("Rechnung 4711");
    body["server_id"] = json!(named.0);
    let id = app.submit_ok(&token, &body).await;
    app.wait_for_message(&token, id, "a first attempt failed", |message| {
        message["attempts"].as_u64() >= Some(1)
    })
    .await;

    app.client
        .delete(app.url(&format!("/api/servers/{}", named.0)))
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("delete");

    let message = app
        .wait_for_message(&token, id, "the mail fails", |message| {
            message["status"] == "failed"
        })
        .await;
    assert_eq!(message["reason_code"], "server_deleted");
    assert_eq!(
        message["reason"],
        format!(
            "Server {}, which the request chose, was deleted. Send the mail again through another server.",
            named.0
        )
    );
    assert_eq!(working.accepted().len(), 0, "a named server is never replaced");
}

#[tokio::test]
async fn server_choice_follows_server_changes_at_once() {
    // The server choice keeps the account's servers between mails; a change must show in the
    // very next mail.
    let first = Peer::start(Behaviour::default()).await;
    let second = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut default = loopback_server(first.port(), "info@shop.example");
    default.is_default = true;
    let default = app.add_server(default).await;
    app.add_server(loopback_server(second.port(), "info@shop.example"))
        .await;
    let token = app.create_token().await;
    let before = app.submit_ok(&token, &mail("Bestellung 1")).await;
    app.wait_for_message(&token, before, "the first mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;

    let deleted = app
        .client
        .delete(app.url(&format!("/api/servers/{}", default.0)))
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("delete");
    let after = app.submit_ok(&token, &mail("Bestellung 2")).await;
    app.wait_for_message(&token, after, "the second mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;

    assert_eq!(deleted.status(), 200);
    assert_eq!(first.accepted().len(), 1);
    assert_eq!(second.accepted().len(), 1, "the new default took the next mail");
}

#[tokio::test]
async fn failures_of_one_outage_count_once() {
    // Arrange: a refusing server and a first retry delay far longer than the test, so every
    // mail fails once, all within the same outage.
    let peer = Peer::start(Behaviour {
        greeting: "421 4.3.2 Service not available".to_owned(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|settings| settings.retry_first_delay = Duration::from_secs(600)).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;

    // Act: more mails than the deactivation threshold of 3.
    let mut ids = Vec::new();
    for number in 0..5 {
        ids.push(
            app.submit_ok(&token, &mail(&format!("Bestellung {number}")))
                .await,
        );
    }
    for id in ids {
        app.wait_for_message(&token, id, "the mail failed once and waits", |message| {
            message["attempts"] == 1
        })
        .await;
    }

    // The count is written after the mail's attempt, so wait for it.
    wait_until("the failure is counted", || async {
        app.server_view(server).await["consecutive_failures"].as_u64() >= Some(1)
    })
    .await;

    // Assert
    let view = app.server_view(server).await;
    assert_eq!(view["consecutive_failures"], 1, "{view}");
    assert!(view["deactivated"].is_null(), "{view}");
    assert_eq!(view["active"], true);
}
