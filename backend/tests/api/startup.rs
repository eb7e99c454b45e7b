//! The `postausgang` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Prepares the binary with a clean environment in `folder`, so that no setting of the machine
/// running the tests leaks in.
fn postausgang(folder: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postausgang"));
    command
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command
}

#[test]
fn check_config_reports_bad_setting_and_fails() {
    let folder = tempfile::tempdir().expect("temp dir");

    let output = postausgang(folder.path())
        .arg("check-config")
        .env("POSTAUSGANG_LISTEN", "localhost")
        .env("POSTAUSGANG_ALLOW_HOSTS", "127.0.0.0/40")
        .output()
        .expect("run postausgang");

    assert_eq!(output.status.code(), Some(2));
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(
        logs.contains("POSTAUSGANG_LISTEN (from the environment)"),
        "{logs}"
    );
    assert!(
        logs.contains("\"127.0.0.0/40\" is not an address range"),
        "{logs}"
    );
    assert!(
        !folder.path().join("data").join("secret.key").exists(),
        "nothing starts with bad settings"
    );
}

#[test]
fn check_config_accepts_defaults() {
    let folder = tempfile::tempdir().expect("temp dir");

    let output = postausgang(folder.path())
        .arg("check-config")
        .output()
        .expect("run postausgang");

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Kills the child when a test fails before it stopped the child itself.
struct RunningServer(Child);

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_answers_then_stops_on_sigterm() {
    // Arrange: port 0, so the test needs no free fixed port; the log line tells the real one.
    let folder = tempfile::tempdir().expect("temp dir");
    let child = postausgang(folder.path())
        .arg("serve")
        .env("POSTAUSGANG_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start postausgang");
    let mut server = RunningServer(child);
    let mut lines = BufReader::new(server.0.stdout.take().expect("stdout")).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("listening on ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
        .expect("a listening line");

    // Act
    let page = fetch_page(&address);
    let pid = server.0.id().to_string();
    let signalled = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    let status = wait_with_timeout(&mut server.0, Duration::from_secs(15));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();

    // Assert
    assert!(page.contains("Postausgang"), "the notice page is served: {page}");
    assert!(signalled.success());
    assert_eq!(
        status.and_then(|status| status.code()),
        Some(0),
        "a clean exit after SIGTERM"
    );
    assert!(
        rest.iter()
            .any(|line| line.contains("shutdown requested") && line.contains("SIGTERM")),
        "{rest:?}"
    );
    assert!(
        rest.iter().any(|line| line.contains("shutdown complete")),
        "{rest:?}"
    );
    let key_file = folder.path().join("data").join("secret.key");
    assert!(key_file.is_file(), "the key file is created on first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Fetches `/` with a plain HTTP/1.0 request, so this synchronous test needs no runtime.
fn fetch_page(address: &str) -> String {
    use std::io::{Read, Write};
    let host = address.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream
        .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}
