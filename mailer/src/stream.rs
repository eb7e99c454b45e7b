//! The byte stream under lettre's SMTP connection: TCP, then TLS on top, with every server line
//! recorded.
//!
//! The session hands lettre a [`SessionStream`] and keeps a [`LinkHandle`] to the same socket.
//! Through the handle it upgrades the socket to TLS after STARTTLS, so the recording always sits
//! above TLS and sees clear text. Server lines are recorded as they arrive. The bytes the client
//! writes never enter the transcript. Instead the session labels each command it sends, such as
//! `AUTH PLAIN ***`, so the AUTH payload cannot leak into it.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::Instant;

use lettre::transport::smtp::client::AsyncTokioStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::reply::{is_last_line, Reply};

/// At most this many transcript entries are kept; a runaway server cannot fill the memory.
const MAX_TRANSCRIPT_ENTRIES: usize = 400;
/// Longer server lines are cut; RFC 5321 allows 512 octets per reply line.
const MAX_LINE_CHARS: usize = 1000;
/// A reply with more lines ends here, unparsed, so that a server that never ends its reply
/// cannot fill the memory while the session reads without lettre. lettre itself rejects a
/// reply of more than 100,000 bytes (`MAX_RESPONSE_BYTES` in lettre 0.11.23).
const MAX_REPLY_LINES: usize = 1000;
/// How many bytes of a failed TLS handshake's input are kept, to tell a plain SMTP greeting.
const MAX_CAPTURED_BYTES: usize = 256;

/// A reply as received, with the time its last line arrived.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedReply {
    pub(crate) reply: Option<Reply>,
    pub(crate) received_at: Instant,
}

/// The transcript: the server's lines, and the notes the session adds about its own commands.
#[derive(Debug, Default)]
pub(crate) struct Transcript {
    entries: Vec<String>,
    truncated: bool,
    partial_line: Vec<u8>,
    pending_reply: Vec<String>,
    replies: Vec<ReceivedReply>,
    /// The number of replies [`Transcript::forget_replies`] dropped, so that counts stay continuous.
    forgotten_replies: usize,
    next_write_labels: Vec<String>,
    writes: usize,
}

impl Transcript {
    /// Sets what the transcript shows for the client's next write, such as `AUTH PLAIN ***`.
    ///
    /// Writes without a label are counted but not shown, so the session decides what is safe
    /// to show and nothing lettre writes (AUTH payloads, the message) slips in.
    pub(crate) fn label_next_write(&mut self, label: &str) {
        self.next_write_labels.clear();
        self.next_write_labels.push(label.to_owned());
    }

    /// Sets one label per command for a write that carries several, as with PIPELINING. Each
    /// label becomes a line of its own, as with [`Transcript::label_next_write`].
    pub(crate) fn label_next_write_all(&mut self, labels: Vec<String>) {
        self.next_write_labels = labels;
    }

    /// Returns how many writes the client made.
    pub(crate) fn writes(&self) -> usize {
        self.writes
    }

    fn record_client_write(&mut self) {
        self.writes += 1;
        for label in std::mem::take(&mut self.next_write_labels) {
            if self.has_room() {
                self.push_entry(format!("C: {label}"));
            }
        }
    }

    /// Adds a remark of the client, such as a TLS handshake result.
    pub(crate) fn note(&mut self, text: &str) {
        self.push_entry(format!("-- {text}"));
    }

    pub(crate) fn entries(&self) -> Vec<String> {
        let mut entries = self.entries.clone();
        if self.truncated {
            entries.push("-- transcript truncated".to_owned());
        }
        entries
    }

    pub(crate) fn reply_count(&self) -> usize {
        self.forgotten_replies + self.replies.len()
    }

    pub(crate) fn replies_since(&self, mark: usize) -> &[ReceivedReply] {
        let start = mark.saturating_sub(self.forgotten_replies);
        self.replies.get(start..).unwrap_or_default()
    }

    /// Drops the replies kept so far, so that a session sending thousands of mails does not
    /// keep every reply. Marks taken before stay valid: [`Transcript::reply_count`] goes on
    /// counting, and [`Transcript::replies_since`] returns only replies kept since.
    pub(crate) fn forget_replies(&mut self) {
        self.forgotten_replies += self.replies.len();
        self.replies.clear();
    }

    /// Returns whether the server has sent any byte that is not yet a complete reply.
    pub(crate) fn has_partial_reply(&self) -> bool {
        !self.partial_line.is_empty() || !self.pending_reply.is_empty()
    }

    fn record_server_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                let line = std::mem::take(&mut self.partial_line);
                self.finish_line(&line);
            } else if self.partial_line.len() < MAX_LINE_CHARS {
                self.partial_line.push(byte);
            }
        }
    }

    fn finish_line(&mut self, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim_end_matches('\r').to_owned();
        if self.has_room() {
            self.push_entry(format!("S: {line}"));
        }
        let last = is_last_line(&line);
        self.pending_reply.push(line);
        if last || self.pending_reply.len() >= MAX_REPLY_LINES {
            let raw_lines = std::mem::take(&mut self.pending_reply);
            let reply = if last { Reply::parse(&raw_lines) } else { None };
            self.replies.push(ReceivedReply {
                reply,
                received_at: Instant::now(),
            });
        }
    }

    fn has_room(&self) -> bool {
        self.entries.len() < MAX_TRANSCRIPT_ENTRIES || !self.truncated
    }

    fn push_entry(&mut self, entry: String) {
        if self.entries.len() < MAX_TRANSCRIPT_ENTRIES {
            self.entries.push(entry);
        } else {
            self.truncated = true;
        }
    }
}

/// A transcript shared by the stream (which records) and the session (which reads).
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedTranscript(Arc<Mutex<Transcript>>);

impl SharedTranscript {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Transcript> {
        // A panic while holding the lock cannot leave the transcript half-updated in a way
        // that matters, so a poisoned lock is used as it is.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A TCP stream that keeps the first bytes it reads, so that a failed TLS handshake can show
/// what the server sent instead of a TLS record.
#[derive(Debug)]
pub(crate) struct TappedTcp {
    tcp: TcpStream,
    captured: Vec<u8>,
}

impl TappedTcp {
    pub(crate) fn new(tcp: TcpStream) -> TappedTcp {
        TappedTcp {
            tcp,
            captured: Vec::new(),
        }
    }

    pub(crate) fn captured(&self) -> &[u8] {
        &self.captured
    }
}

impl AsyncRead for TappedTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) {
            let room = MAX_CAPTURED_BYTES.saturating_sub(self.captured.len());
            let new_bytes = &buf.filled()[before..];
            let kept = &new_bytes[..new_bytes.len().min(room)];
            self.captured.extend_from_slice(kept);
        }
        poll
    }
}

impl AsyncWrite for TappedTcp {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// The socket in its current state.
#[derive(Debug)]
enum Link {
    Plain(TcpStream),
    Tls(Box<TlsStream<TappedTcp>>),
    /// Taken out for the STARTTLS handshake; reads and writes fail until TLS is attached.
    Detached,
}

/// The end of a message's content in SMTP's DATA phase (RFC 5321, section 4.1.1.4). Dot
/// stuffing makes every content line that starts with `.` start with `..`, so the content itself
/// never contains it.
const END_OF_DATA: &[u8] = b"\r\n.\r\n";

/// The session's handle on the socket that lettre reads and writes.
#[derive(Debug, Clone)]
pub(crate) struct LinkHandle {
    link: Arc<Mutex<Link>>,
    holds_message: Arc<AtomicBool>,
}

impl LinkHandle {
    fn lock(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds back what lettre writes next until the end-of-data line, so that a message's
    /// content and that line go out in one write. lettre writes and flushes them separately,
    /// which cost one more system call (and, over TLS, one more record) per mail.
    pub(crate) fn hold_message(&self) {
        self.holds_message.store(true, Ordering::Relaxed);
    }

    /// Ends [`LinkHandle::hold_message`] even if the end-of-data line never came, such as
    /// after a timeout, so that the next flush writes what was held.
    pub(crate) fn release_message(&self) {
        self.holds_message.store(false, Ordering::Relaxed);
    }

    fn is_holding_message(&self) -> bool {
        self.holds_message.load(Ordering::Relaxed)
    }

    /// Takes the plain TCP stream out for a TLS handshake. Returns `None` if it is already TLS.
    pub(crate) fn detach_plain(&self) -> Option<TcpStream> {
        let mut link = self.lock();
        match std::mem::replace(&mut *link, Link::Detached) {
            Link::Plain(tcp) => Some(tcp),
            other => {
                *link = other;
                None
            }
        }
    }

    pub(crate) fn attach_tls(&self, stream: TlsStream<TappedTcp>) {
        *self.lock() = Link::Tls(Box::new(stream));
    }

    pub(crate) fn is_encrypted(&self) -> bool {
        matches!(*self.lock(), Link::Tls(_))
    }
}

/// The stream lettre's connection owns. It shares the socket with a [`LinkHandle`] and records
/// the server's lines into a [`SharedTranscript`].
pub(crate) struct SessionStream {
    link: LinkHandle,
    transcript: SharedTranscript,
    peer: SocketAddr,
    /// Bytes held back by [`LinkHandle::hold_message`], and how many of them are written.
    held_bytes: Vec<u8>,
    held_bytes_written: usize,
}

impl SessionStream {
    pub(crate) fn plain(
        tcp: TcpStream,
        peer: SocketAddr,
        transcript: SharedTranscript,
    ) -> (SessionStream, LinkHandle) {
        SessionStream::new(Link::Plain(tcp), peer, transcript)
    }

    pub(crate) fn tls(
        stream: TlsStream<TappedTcp>,
        peer: SocketAddr,
        transcript: SharedTranscript,
    ) -> (SessionStream, LinkHandle) {
        SessionStream::new(Link::Tls(Box::new(stream)), peer, transcript)
    }

    fn new(link: Link, peer: SocketAddr, transcript: SharedTranscript) -> (SessionStream, LinkHandle) {
        let handle = LinkHandle {
            link: Arc::new(Mutex::new(link)),
            holds_message: Arc::new(AtomicBool::new(false)),
        };
        let stream = SessionStream::over(handle.clone(), peer, transcript);
        (stream, handle)
    }

    /// Returns another stream over the same socket and transcript, for the exchanges the
    /// session runs without lettre. Only one of the streams may be in use at a time.
    pub(crate) fn over(link: LinkHandle, peer: SocketAddr, transcript: SharedTranscript) -> SessionStream {
        SessionStream {
            link,
            transcript,
            peer,
            held_bytes: Vec::new(),
            held_bytes_written: 0,
        }
    }

    /// Writes to the socket and counts the write in the transcript.
    fn poll_write_link(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = match &mut *self.link.lock() {
            Link::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Link::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
            Link::Detached => Poll::Ready(Err(detached_error())),
        };
        if matches!(poll, Poll::Ready(Ok(written)) if written > 0) {
            self.transcript.lock().record_client_write();
        }
        poll
    }

    /// Writes every held byte to the socket; `Ready(Ok)` once none is left.
    fn poll_write_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.held_bytes_written < self.held_bytes.len() {
            let written = ready!(self.poll_write_link(cx, &self.held_bytes[self.held_bytes_written..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.held_bytes_written += written;
        }
        self.held_bytes.clear();
        self.held_bytes_written = 0;
        Poll::Ready(Ok(()))
    }
}

fn detached_error() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the socket is in a TLS handshake")
}

impl std::fmt::Debug for SessionStream {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SessionStream")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl AsyncTokioStream for SessionStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

impl AsyncRead for SessionStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = match &mut *self.link.lock() {
            Link::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Link::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
            Link::Detached => Poll::Ready(Err(detached_error())),
        };
        if matches!(poll, Poll::Ready(Ok(()))) {
            self.transcript
                .lock()
                .record_server_bytes(&buf.filled()[before..]);
        }
        poll
    }
}

impl AsyncWrite for SessionStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let stream = self.get_mut();
        if stream.link.is_holding_message() {
            stream.held_bytes.extend_from_slice(buf);
            if stream.held_bytes.ends_with(END_OF_DATA) {
                stream.link.release_message();
            }
            return Poll::Ready(Ok(buf.len()));
        }
        ready!(stream.poll_write_held(cx))?;
        stream.poll_write_link(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let stream = self.get_mut();
        if stream.link.is_holding_message() {
            return Poll::Ready(Ok(()));
        }
        ready!(stream.poll_write_held(cx))?;
        match &mut *stream.link.lock() {
            Link::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Link::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
            Link::Detached => Poll::Ready(Err(detached_error())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut *self.link.lock() {
            Link::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Link::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
            Link::Detached => Poll::Ready(Ok(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// Connects a plain session stream to a loopback listener and returns both ends.
    async fn connected_stream() -> (SessionStream, LinkHandle, SharedTranscript, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let client = TcpStream::connect(address).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let transcript = SharedTranscript::default();
        let (stream, link) = SessionStream::plain(client, address, transcript.clone());
        (stream, link, transcript, server)
    }

    #[tokio::test]
    async fn held_message_goes_out_in_one_write() {
        let (mut stream, link, transcript, mut server) = connected_stream().await;

        link.hold_message();
        stream
            .write_all(b"Subject: x\r\n\r\nbody\r\n")
            .await
            .expect("write content");
        stream.flush().await.expect("flush content");
        let writes_before_end = transcript.lock().writes();
        stream.write_all(END_OF_DATA).await.expect("write end");
        stream.flush().await.expect("flush end");

        let expected = b"Subject: x\r\n\r\nbody\r\n\r\n.\r\n";
        let mut received = vec![0u8; expected.len()];
        server.read_exact(&mut received).await.expect("read");
        assert_eq!(writes_before_end, 0);
        assert_eq!(transcript.lock().writes(), 1);
        assert_eq!(received, expected);
        assert!(!link.is_holding_message());
    }

    #[tokio::test]
    async fn released_hold_writes_held_bytes_at_flush() {
        let (mut stream, link, transcript, mut server) = connected_stream().await;

        link.hold_message();
        stream.write_all(b"partial content").await.expect("write content");
        link.release_message();
        stream.flush().await.expect("flush");

        let mut received = vec![0u8; b"partial content".len()];
        server.read_exact(&mut received).await.expect("read");
        assert_eq!(received, b"partial content");
        assert_eq!(transcript.lock().writes(), 1);
    }

    #[tokio::test]
    async fn commands_are_not_held() {
        let (mut stream, _link, transcript, mut server) = connected_stream().await;

        stream.write_all(b"NOOP\r\n").await.expect("write");
        stream.flush().await.expect("flush");

        let mut received = vec![0u8; 6];
        server.read_exact(&mut received).await.expect("read");
        assert_eq!(received, b"NOOP\r\n");
        assert_eq!(transcript.lock().writes(), 1);
    }

    #[test]
    fn transcript_assembles_multiline_reply() {
        let mut transcript = Transcript::default();
        transcript.record_server_bytes(b"250-mail.example\r\n250-STAR");
        assert_eq!(transcript.reply_count(), 0);
        assert!(transcript.has_partial_reply());

        transcript.record_server_bytes(b"TTLS\r\n250 AUTH PLAIN\r\n");
        assert_eq!(transcript.reply_count(), 1);
        let reply = transcript.replies_since(0)[0].reply.clone().expect("parsed");
        assert_eq!(reply.lines, vec!["mail.example", "STARTTLS", "AUTH PLAIN"]);
        assert_eq!(transcript.entries()[1], "S: 250-STARTTLS");
    }

    #[test]
    fn endless_reply_is_cut_unparsed() {
        let mut transcript = Transcript::default();
        for _ in 0..100_000 {
            transcript.record_server_bytes(b"250-more\r\n");
        }
        assert!(transcript.pending_reply.len() <= MAX_REPLY_LINES);
        assert!(transcript.reply_count() > 0);
        assert!(transcript.replies_since(0)[0].reply.is_none());
    }

    #[test]
    fn transcript_stops_growing_at_limit() {
        let mut transcript = Transcript::default();
        for _ in 0..(MAX_TRANSCRIPT_ENTRIES + 50) {
            transcript.record_server_bytes(b"250 ok\r\n");
        }
        let entries = transcript.entries();
        assert_eq!(entries.len(), MAX_TRANSCRIPT_ENTRIES + 1);
        assert_eq!(
            entries.last().map(String::as_str),
            Some("-- transcript truncated")
        );
    }
}
