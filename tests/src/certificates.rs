//! A CA and a server certificate signed by it, written as PEM files into a temporary directory.
//!
//! rustls rejects a self-signed server certificate that is also a CA, and X.509 v1
//! certificates, so the fixture makes a proper two-level chain.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use tempfile::TempDir;

/// Which names the server certificate carries.
#[derive(Debug, Clone)]
pub struct CertificateOptions {
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<std::net::IpAddr>,
}

impl Default for CertificateOptions {
    /// `DNS:localhost` and `IP:127.0.0.1`.
    fn default() -> CertificateOptions {
        CertificateOptions {
            dns_names: vec!["localhost".to_owned()],
            ip_addresses: vec![std::net::IpAddr::from([127, 0, 0, 1])],
        }
    }
}

/// PEM files of a test CA and of a server certificate with its key.
#[derive(Debug)]
pub struct TestCertificates {
    directory: TempDir,
    ca_pem: String,
    chain_pem: String,
    key_pem: String,
}

impl TestCertificates {
    /// Makes a CA and a server certificate for `localhost` and `127.0.0.1`.
    pub fn generate() -> TestCertificates {
        TestCertificates::generate_with(&CertificateOptions::default())
    }

    /// Makes a CA and a server certificate with the given names.
    pub fn generate_with(options: &CertificateOptions) -> TestCertificates {
        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Postausgang Test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca_params.self_signed(&ca_key).expect("self-sign the CA");

        let leaf_key = KeyPair::generate().expect("generate the server key");
        let mut leaf_params = CertificateParams::new(Vec::<String>::new()).expect("server parameters");
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "Postausgang test server");
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        for name in &options.dns_names {
            leaf_params
                .subject_alt_names
                .push(SanType::DnsName(name.clone().try_into().expect("DNS name")));
        }
        for address in &options.ip_addresses {
            leaf_params.subject_alt_names.push(SanType::IpAddress(*address));
        }
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca, &ca_key)
            .expect("sign the server certificate");

        let directory = tempfile::tempdir().expect("temporary directory for certificates");
        let certificates = TestCertificates {
            directory,
            ca_pem: ca.pem(),
            chain_pem: format!("{}{}", leaf.pem(), ca.pem()),
            key_pem: leaf_key.serialize_pem(),
        };
        std::fs::write(certificates.ca_path(), &certificates.ca_pem).expect("write the CA");
        std::fs::write(certificates.chain_path(), &certificates.chain_pem).expect("write the chain");
        std::fs::write(certificates.key_path(), &certificates.key_pem).expect("write the key");
        certificates
    }

    /// The CA certificate, for `POSTAUSGANG_EXTRA_ROOT_CERTS`.
    pub fn ca_path(&self) -> PathBuf {
        self.directory.path().join("ca.pem")
    }

    /// The server certificate followed by the CA certificate.
    pub fn chain_path(&self) -> PathBuf {
        self.directory.path().join("server-chain.pem")
    }

    pub fn key_path(&self) -> PathBuf {
        self.directory.path().join("server-key.pem")
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub fn directory(&self) -> &Path {
        self.directory.path()
    }

    /// Returns a rustls server configuration for scripted TLS peers.
    pub fn rustls_server_config(&self) -> std::sync::Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};

        let chain = CertificateDer::pem_slice_iter(self.chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("parse the chain");
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).expect("parse the key");
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server certificate");
        std::sync::Arc::new(config)
    }
}
