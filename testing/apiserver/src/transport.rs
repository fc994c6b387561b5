//! TLS and HTTP/1.1 on the loopback listener, and the one thing HTTP must do
//! that a handler cannot: drop a connection without answering.
//!
//! Each connection runs its hyper connection future raced against a per-
//! connection kill signal; a fault that asks for a dropped connection fires the
//! signal, the future (and with it the TLS stream and socket) is dropped, and
//! the client sees the connection close with no response.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming as Body};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio_rustls::TlsAcceptor;

use crate::gate::{self, Incoming, Outcome};
use crate::state::State;

pub(crate) type Shared = Arc<Mutex<State>>;

/// The state, even if a panicking test thread poisoned the lock.
pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepts connections until `shutdown` changes (or its sender is gone).
pub(crate) async fn serve(listener: TcpListener, acceptor: TlsAcceptor, shared: Shared, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                tokio::spawn(connection(tcp, acceptor.clone(), shared.clone(), shutdown.clone()));
            }
        }
    }
}

async fn connection(tcp: TcpStream, acceptor: TlsAcceptor, shared: Shared, mut shutdown: watch::Receiver<bool>) {
    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        _ => return,
    };
    let kill = Arc::new(Notify::new());
    let service_kill = kill.clone();
    let service = service_fn(move |req| handle(req, shared.clone(), service_kill.clone()));
    let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(tls), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// Signals the connection to be dropped and never answers.
async fn hang_up(kill: Arc<Notify>) -> Result<Response<Full<Bytes>>, Infallible> {
    kill.notify_one();
    std::future::pending().await
}

/// `a=b&c=d+e` with `+` as space and percent escapes, as Go's url.ParseQuery reads it.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

async fn handle(req: hyper::Request<Body>, shared: Shared, kill: Arc<Notify>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return hang_up(kill).await,
    };
    let header = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
    let incoming = Incoming {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parse_query(parts.uri.query().unwrap_or("")),
        body,
        content_type: header(CONTENT_TYPE).map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase()),
        authorization: header(AUTHORIZATION),
        accept: header(ACCEPT),
    };
    let outcome = gate::process(&mut lock(&shared), incoming);
    match outcome {
        Outcome::Respond(reply) => {
            let mut response = Response::new(Full::new(Bytes::from(reply.body)));
            *response.status_mut() = StatusCode::from_u16(reply.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
            Ok(response)
        }
        Outcome::Drop => hang_up(kill).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_decoding_matches_go() {
        let q = super::parse_query("labelSelector=app+in+%28a%2Cb%29&watch&limit=2");
        assert_eq!(q[0], ("labelSelector".into(), "app in (a,b)".into()));
        assert_eq!(q[1], ("watch".into(), String::new()));
    }
}
