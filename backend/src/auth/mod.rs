//! Sign-up and login rules: password hashing, the session cookie with its CSRF check, and the
//! throttle for failed logins.

mod email;
mod password;
mod session;
mod throttle;

pub use email::parse_sign_up_email;
pub use password::{
    check_password_length, hash_password, verify_password, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
};
pub(crate) use session::has_csrf_header;
pub use session::{
    hash_token, new_session_token, removal_cookie, session_cookie, CurrentAccount, CSRF_HEADER,
    CSRF_HEADER_VALUE, SESSION_COOKIE, SESSION_LIFETIME,
};
pub use throttle::{LoginThrottle, LOGIN_THROTTLE};
