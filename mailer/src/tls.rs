//! The roots of trust for TLS to SMTP servers: the public web PKI plus the operator's extra roots.
//!
//! Certificates are always verified against the host name the seller entered. There is no
//! switch that turns verification off; an operator whose mail server uses a private CA names
//! that CA's certificate in `POSTAUSGANG_EXTRA_ROOT_CERTS` instead.

use std::path::Path;
use std::sync::Arc;

use rustls::client::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;
use tokio_rustls::TlsConnector;

/// The reason the trusted roots could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustRootsError {
    #[error("cannot read the extra root certificates from {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the extra root certificates in {path} are not valid PEM: {detail}")]
    InvalidPem { path: String, detail: String },
    #[error("{path} contains no PEM certificate (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificate { path: String },
    #[error("a certificate in {path} cannot serve as a trust anchor: {detail}")]
    InvalidRoot { path: String, detail: String },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// The roots a server certificate must chain to, and the TLS client settings built from them.
#[derive(Clone)]
pub struct TrustRoots {
    config: Arc<ClientConfig>,
    extra_roots: usize,
}

impl std::fmt::Debug for TrustRoots {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("TrustRoots")
            .field("extra_roots", &self.extra_roots)
            .finish_non_exhaustive()
    }
}

impl TrustRoots {
    /// Trusts the Mozilla root program's CAs (as shipped by `webpki-roots`) and nothing else.
    pub fn public() -> Result<TrustRoots, TrustRootsError> {
        TrustRoots::build(public_root_store(), 0)
    }

    /// Trusts the public CAs plus every certificate in a PEM file.
    ///
    /// # Errors
    /// The file cannot be read, is not PEM, holds no certificate, or holds one that is not a
    /// usable trust anchor.
    pub fn with_extra_roots_file(path: &Path) -> Result<TrustRoots, TrustRootsError> {
        let shown = path.display().to_string();
        let pem = std::fs::read(path).map_err(|source| TrustRootsError::Read {
            path: shown.clone(),
            source,
        })?;
        TrustRoots::with_extra_roots_pem(&pem, &shown)
    }

    /// Trusts the public CAs plus every certificate in `pem`; `origin` names the source in errors.
    pub fn with_extra_roots_pem(pem: &[u8], origin: &str) -> Result<TrustRoots, TrustRootsError> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| TrustRootsError::InvalidPem {
                path: origin.to_owned(),
                detail: error.to_string(),
            })?;
        if certificates.is_empty() {
            return Err(TrustRootsError::NoCertificate {
                path: origin.to_owned(),
            });
        }

        let mut store = public_root_store();
        for certificate in &certificates {
            store
                .add(certificate.clone())
                .map_err(|error| TrustRootsError::InvalidRoot {
                    path: origin.to_owned(),
                    detail: error.to_string(),
                })?;
        }
        TrustRoots::build(store, certificates.len())
    }

    /// Returns how many roots came from the operator's file.
    pub fn extra_root_count(&self) -> usize {
        self.extra_roots
    }

    pub(crate) fn connector(&self) -> TlsConnector {
        TlsConnector::from(Arc::clone(&self.config))
    }

    fn build(store: RootCertStore, extra_roots: usize) -> Result<TrustRoots, TrustRootsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| TrustRootsError::Setup(error.to_string()))?
            .with_root_certificates(store)
            .with_no_client_auth();
        Ok(TrustRoots {
            config: Arc::new(config),
            extra_roots,
        })
    }
}

fn public_root_store() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The problem found in the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateProblem {
    /// Issued by a CA that is not trusted, which includes self-signed certificates.
    UnknownIssuer,
    /// Expired or not valid yet.
    Expired,
    /// Issued for other names than the host the seller entered.
    WrongName,
    /// Malformed, of an old format (such as X.509 v1) or signed with an unsupported algorithm.
    UnsupportedFormat,
    /// Revoked, or any other rejection.
    Other,
}

/// The kind of TLS handshake failure, as far as the client can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HandshakeFailure {
    Certificate(CertificateProblem, String),
    /// The peer sent something that is not TLS, such as a plain SMTP greeting.
    NotTls(String),
    Other(String),
}

/// Sorts a handshake error from tokio-rustls into what the diagnosis needs.
pub(crate) fn classify_handshake_error(error: &std::io::Error) -> HandshakeFailure {
    let detail = error.to_string();
    let Some(tls_error) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return HandshakeFailure::Other(detail);
    };
    match tls_error {
        rustls::Error::InvalidCertificate(problem) => {
            HandshakeFailure::Certificate(classify_certificate_error(problem), detail)
        }
        rustls::Error::InvalidMessage(_) => HandshakeFailure::NotTls(detail),
        _ => HandshakeFailure::Other(detail),
    }
}

// rustls 0.23 still reports the deprecated unit variant in some paths, so it is matched too.
#[allow(deprecated)]
fn classify_certificate_error(error: &rustls::CertificateError) -> CertificateProblem {
    use rustls::CertificateError as Error;
    match error {
        Error::UnknownIssuer => CertificateProblem::UnknownIssuer,
        Error::Expired
        | Error::ExpiredContext { .. }
        | Error::NotValidYet
        | Error::NotValidYetContext { .. } => CertificateProblem::Expired,
        Error::NotValidForName | Error::NotValidForNameContext { .. } => CertificateProblem::WrongName,
        Error::BadEncoding
        | Error::UnhandledCriticalExtension
        | Error::BadSignature
        | Error::UnsupportedSignatureAlgorithm
        | Error::UnsupportedSignatureAlgorithmContext { .. }
        | Error::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            CertificateProblem::UnsupportedFormat
        }
        // webpki reports an X.509 v1 certificate and a CA certificate used as a server
        // certificate as "other" errors, so their text decides.
        Error::Other(other) if is_format_problem(&other.to_string()) => CertificateProblem::UnsupportedFormat,
        _ => CertificateProblem::Other,
    }
}

fn is_format_problem(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    ["version", "causedasendentity", "unsupported"]
        .iter()
        .any(|needle| text.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_roots_load() {
        let roots = TrustRoots::public().expect("public roots");
        assert_eq!(roots.extra_root_count(), 0);
    }

    #[test]
    fn extra_roots_without_certificate_rejected() {
        let error = TrustRoots::with_extra_roots_pem(b"not a pem file", "roots.pem").expect_err("no cert");
        assert!(matches!(error, TrustRootsError::NoCertificate { .. }), "{error}");
    }

    #[test]
    fn extra_roots_file_missing_names_path() {
        let error =
            TrustRoots::with_extra_roots_file(Path::new("/nonexistent/roots.pem")).expect_err("missing");
        assert!(error.to_string().contains("/nonexistent/roots.pem"), "{error}");
    }
}
