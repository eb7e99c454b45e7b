//! SMTP replies as the server sent them, with the enhanced status code (RFC 3463) split out.

use std::fmt;

/// One complete SMTP reply: the three-digit code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// The text after the code on each line, without the separator (`-` or space).
    pub lines: Vec<String>,
}

impl Reply {
    /// Parses the lines of one reply as received, such as `["250-mail.example", "250 SIZE 1000"]`.
    ///
    /// Returns `None` when the first line does not start with a three-digit code.
    pub fn parse(lines: &[String]) -> Option<Reply> {
        let first = lines.first()?;
        let code = parse_code(first)?;
        let texts = lines
            .iter()
            .map(|line| line.get(4..).unwrap_or_default().to_owned())
            .collect();
        Some(Reply { code, lines: texts })
    }

    /// Returns whether the code is 2xx or 3xx.
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// Returns the enhanced status code that starts the first line, such as `5.7.139`.
    pub fn enhanced_status(&self) -> Option<EnhancedStatus> {
        let first_word = self.lines.first()?.split_whitespace().next()?;
        EnhancedStatus::parse(first_word)
    }

    /// Returns all lines' text joined by spaces, for matching on words.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }
}

impl fmt::Display for Reply {
    /// Writes the reply on one line, such as `250 2.0.0 Ok: queued as 4F2A1`; further lines of a
    /// multi-line reply follow after ` | `.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.code)?;
        for (index, line) in self.lines.iter().enumerate() {
            let separator = if index == 0 { " " } else { " | " };
            write!(formatter, "{separator}{line}")?;
        }
        Ok(())
    }
}

/// An enhanced mail system status code (RFC 3463), such as `5.7.8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedStatus {
    /// Parses `class.subject.detail`, such as `5.7.139`.
    pub fn parse(text: &str) -> Option<EnhancedStatus> {
        let mut parts = text.split('.');
        let class = parts
            .next()?
            .parse()
            .ok()
            .filter(|class| matches!(class, 2 | 4 | 5))?;
        let subject = parts.next()?.parse().ok()?;
        let detail = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(EnhancedStatus {
            class,
            subject,
            detail,
        })
    }

    /// Returns whether this is `class.subject.detail`.
    pub fn is(&self, class: u8, subject: u16, detail: u16) -> bool {
        self.class == class && self.subject == subject && self.detail == detail
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// Returns the reply code of a line, or `None` when it does not start with three digits.
pub(crate) fn parse_code(line: &str) -> Option<u16> {
    let digits = line.get(..3)?;
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Returns whether a reply line is the last one of its reply (`250 ok` rather than `250-ok`).
pub(crate) fn is_last_line(line: &str) -> bool {
    line.as_bytes().get(3) != Some(&b'-')
}

/// The ESMTP extensions a server announced in its EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub starttls: bool,
    /// The AUTH mechanisms in the server's order, upper case, such as `["PLAIN", "LOGIN"]`.
    pub auth_mechanisms: Vec<String>,
    pub eight_bit_mime: bool,
    pub smtputf8: bool,
    /// The largest message the server accepts in bytes (SIZE, RFC 1870), when it says so.
    pub size_limit: Option<u64>,
    /// The server reads commands sent ahead of their replies (PIPELINING, RFC 2920).
    pub pipelining: bool,
}

impl Capabilities {
    /// Reads the extensions from an EHLO reply; the first line is the server's name.
    pub fn from_ehlo(reply: &Reply) -> Capabilities {
        let mut capabilities = Capabilities::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
            match keyword.as_str() {
                "STARTTLS" => capabilities.starttls = true,
                "8BITMIME" => capabilities.eight_bit_mime = true,
                "SMTPUTF8" => capabilities.smtputf8 = true,
                "PIPELINING" => capabilities.pipelining = true,
                "SIZE" => capabilities.size_limit = words.next().and_then(|size| size.parse().ok()),
                "AUTH" => capabilities
                    .auth_mechanisms
                    .extend(words.map(str::to_ascii_uppercase)),
                _ => {}
            }
        }
        capabilities
    }

    /// Returns whether the server offers AUTH at all.
    pub fn offers_auth(&self) -> bool {
        !self.auth_mechanisms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(raw: &[&str]) -> Vec<String> {
        raw.iter().map(|line| (*line).to_owned()).collect()
    }

    #[test]
    fn reply_parse_keeps_code_and_texts() {
        let reply = Reply::parse(&lines(&["250-mail.example", "250 SIZE 1000"])).expect("valid reply");
        assert_eq!(reply.code, 250);
        assert_eq!(reply.lines, vec!["mail.example", "SIZE 1000"]);
        assert_eq!(reply.to_string(), "250 mail.example | SIZE 1000");
    }

    #[test]
    fn reply_parse_rejects_line_without_code() {
        assert_eq!(Reply::parse(&lines(&["hello"])), None);
    }

    #[test]
    fn enhanced_status_read_from_first_word() {
        let reply = Reply::parse(&lines(&["535 5.7.139 Authentication unsuccessful"])).expect("valid");
        let status = reply.enhanced_status().expect("has enhanced status");
        assert!(status.is(5, 7, 139));
        assert_eq!(status.to_string(), "5.7.139");
    }

    #[test]
    fn enhanced_status_absent_in_plain_text() {
        let reply = Reply::parse(&lines(&["220 mail.example ESMTP ready"])).expect("valid");
        assert_eq!(reply.enhanced_status(), None);
    }

    #[test]
    fn capabilities_read_from_ehlo_reply() {
        let reply = Reply::parse(&lines(&[
            "250-mail.example",
            "250-SIZE 35882577",
            "250-8BITMIME",
            "250-STARTTLS",
            "250-auth plain login",
            "250-PIPELINING",
            "250 SMTPUTF8",
        ]))
        .expect("valid");
        let capabilities = Capabilities::from_ehlo(&reply);
        assert!(capabilities.starttls);
        assert!(capabilities.pipelining);
        assert!(capabilities.eight_bit_mime);
        assert!(capabilities.smtputf8);
        assert_eq!(capabilities.size_limit, Some(35_882_577));
        assert_eq!(capabilities.auth_mechanisms, vec!["PLAIN", "LOGIN"]);
    }
}
