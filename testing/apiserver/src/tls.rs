//! A throwaway certificate authority and a server certificate for
//! `127.0.0.1` and `localhost`, and the rustls configuration that serves it.
//!
//! Clients verify the server against the CA in the kubeconfig exactly as
//! against a real cluster, so the TLS path of the client under test is real.
//! The ring provider is named explicitly so no process-wide default is needed.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// The CA (for kubeconfigs) and the server's TLS configuration.
pub(crate) struct Material {
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
}

pub(crate) fn generate() -> Result<Material, String> {
    let err = |e: rcgen::Error| format!("certificate generation failed: {e}");

    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.distinguished_name.push(DnType::CommonName, "kordon-test-apiserver CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(err)?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).map_err(err)?;
    params.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params.signed_by(&server_key, &issuer).map_err(err)?;

    let chain = vec![server_cert.der().clone(), CertificateDer::from(ca_cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS configuration failed: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Material { ca_pem: ca_cert.pem(), config: Arc::new(config) })
}
