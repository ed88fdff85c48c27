//! Token providers against a local token endpoint.

use std::sync::Arc;
use std::time::Duration;

use super::token_server::{TokenServer, capture_logs, test_key};
use super::{Bearer, BearerSource, TokenCache};
use crate::credentials::{Context, Credentials};
use crate::logging::Logger;
use crate::{ErrorKind, LogLevel};

fn cache() -> TokenCache {
    TokenCache::new(reqwest::Client::new(), Logger::new(LogLevel::Info))
}

fn sa_creds(server: &TokenServer) -> Credentials {
    Credentials::service_account_json(server.credentials_json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_callers_cause_one_exchange() {
    let server = TokenServer::start().await;
    server.set_delay(Duration::from_millis(150));
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.bearer().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert_eq!(server.exchanges(), 1);
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(tokens[0].expose(), server.seen()[0].access_token);
}

#[tokio::test]
async fn fresh_token_is_reused() {
    let server = TokenServer::start().await;
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let a = source.bearer().await.unwrap();
    let b = source.bearer().await.unwrap();
    let c = source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[tokio::test]
async fn expired_cached_token_triggers_a_new_exchange() {
    let server = TokenServer::start().await;
    // The server issues tokens that are already expired.
    server.set_lifetime(-30);
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let a = source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
    let b = source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 2);
    assert_ne!(a, b);
    // Once the server issues long-lived tokens again, the next one is kept.
    server.set_lifetime(3600);
    let c = source.bearer().await.unwrap();
    let d = source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 3);
    assert_eq!(c, d);
}

#[tokio::test]
async fn margin_never_exceeds_half_the_lifetime() {
    let server = TokenServer::start().await;
    // 40 s tokens with the default 5 min margin: without the cap every call would refresh.
    server.set_lifetime(40);
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    source.bearer().await.unwrap();
    source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
}

#[tokio::test]
async fn token_inside_the_margin_is_refreshed_early() {
    let server = TokenServer::start().await;
    // A zero-second lifetime is inside any margin: refreshed on every call.
    server.set_lifetime(0);
    let cache = cache().with_refresh_margin(Duration::from_secs(10));
    let source = cache.source_for(&sa_creds(&server)).unwrap();
    source.bearer().await.unwrap();
    source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refresh_of_a_rejected_token_exchanges_once() {
    let server = TokenServer::start().await;
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let rejected = source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
    server.set_delay(Duration::from_millis(100));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let source = source.clone();
            let rejected = rejected.clone();
            tokio::spawn(async move { source.refresh(&rejected).await })
        })
        .collect();
    let mut fresh = Vec::new();
    for task in tasks {
        fresh.push(
            task.await
                .unwrap()
                .unwrap()
                .expect("service accounts refresh"),
        );
    }
    assert_eq!(server.exchanges(), 2);
    assert!(fresh.iter().all(|t| t == &fresh[0]));
    assert_ne!(fresh[0], rejected);
    // The cache now serves the new token.
    assert_eq!(source.bearer().await.unwrap(), fresh[0]);
    assert_eq!(server.exchanges(), 2);
}

#[tokio::test]
async fn refresh_of_an_already_replaced_token_does_not_exchange() {
    let server = TokenServer::start().await;
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let current = source.bearer().await.unwrap();
    let old = Bearer::new("some-older-token");
    let got = source.refresh(&old).await.unwrap().unwrap();
    assert_eq!(got, current);
    assert_eq!(server.exchanges(), 1);
}

#[tokio::test]
async fn one_source_per_credentials_shared_across_lookups() {
    let server = TokenServer::start().await;
    let cache = Arc::new(cache());
    let creds = sa_creds(&server);
    let a = cache.source_for(&creds).unwrap();
    let b = cache.source_for(&creds.clone()).unwrap();
    let same_content = Credentials::service_account_json(server.credentials_json());
    let c = cache.source_for(&same_content).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert!(Arc::ptr_eq(&a, &c));
    a.bearer().await.unwrap();
    c.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
    // Different roles are different credentials, with their own token.
    let scoped = cache.source_for(&creds.clone().with_roles(["r1"])).unwrap();
    assert!(!Arc::ptr_eq(&a, &scoped));
    scoped.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 2);
    assert_eq!(cache.len(), 2);
    cache.forget(&creds);
    assert_eq!(cache.len(), 1);
}

#[tokio::test]
async fn roles_and_context_of_client_credentials_reach_the_exchange() {
    let server = TokenServer::start().await;
    let cache = cache();
    let plain = cache.source_for(&sa_creds(&server)).unwrap();
    plain.bearer().await.unwrap();
    let scoped = sa_creds(&server)
        .with_roles(["r1", "r2"])
        .with_context(Context::map([("user_id", "42")]));
    cache.source_for(&scoped).unwrap().bearer().await.unwrap();
    let text = sa_creds(&server).with_context("tenant_7");
    cache.source_for(&text).unwrap().bearer().await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen[0].scope.is_null());
    assert!(seen[0].claims.get("ctx").is_none());
    assert_eq!(seen[1].scope, "role:r1 role:r2");
    assert_eq!(seen[1].claims["ctx"], serde_json::json!({"user_id": "42"}));
    assert!(seen[2].scope.is_null());
    assert_eq!(seen[2].claims["ctx"], "tenant_7");
}

#[tokio::test]
async fn token_uri_override_on_credentials_is_the_audience_and_host() {
    let server = TokenServer::start().await;
    let override_uri = format!("http://localhost:{}/custom/path", server.addr.port());
    server.expect_audience(&override_uri);
    // The credentials name a port nothing listens on; the override wins.
    let creds = Credentials::service_account_json(super::token_server::credentials_json(
        "http://127.0.0.1:9/v1/auth/sa/oauth/token",
    ))
    .with_token_uri(override_uri.clone());
    cache().source_for(&creds).unwrap().bearer().await.unwrap();
    assert_eq!(server.seen()[0].claims["aud"], override_uri);
}

#[tokio::test]
async fn credentials_file_is_read_on_first_use() {
    let server = TokenServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sa.json");
    let creds = Credentials::service_account_file(&path);
    let cache = cache();
    let source = cache.source_for(&creds).unwrap();
    // Not there yet: a config error naming `path`, and no exchange.
    let err = source.bearer().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(err.field(), Some("path"));
    assert_eq!(server.exchanges(), 0);
    std::fs::write(&path, server.credentials_json()).unwrap();
    source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
}

#[tokio::test]
async fn a_refused_assertion_makes_a_rotated_credentials_file_be_read_again() {
    let server = TokenServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sa.json");
    // A key id the token endpoint no longer accepts.
    let mut revoked: serde_json::Value = serde_json::from_str(&server.credentials_json()).unwrap();
    revoked["keyID"] = "revoked-key-id".into();
    std::fs::write(&path, revoked.to_string()).unwrap();
    let source = cache()
        .source_for(&Credentials::service_account_file(&path))
        .unwrap();
    let err = source.bearer().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.rejected(), 1);
    // The file is rotated: the next token comes from the new key.
    std::fs::write(&path, server.credentials_json()).unwrap();
    source.bearer().await.unwrap();
    assert_eq!(server.exchanges(), 1);
    assert_eq!(server.seen()[0].claims["key"], super::token_server::KEY_ID);
}

#[tokio::test]
async fn malformed_file_is_a_config_error_before_any_exchange() {
    let server = TokenServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sa.json");
    std::fs::write(
        &path,
        r#"{"clientID": "c", "keyID": "k", "tokenURI": "https://x.example.com"}"#,
    )
    .unwrap();
    let source = cache()
        .source_for(&Credentials::service_account_file(&path))
        .unwrap();
    let err = source.bearer().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(err.field(), Some("path.privateKey"));
    assert_eq!(server.exchanges(), 0);
}

#[tokio::test]
async fn invalid_credentials_are_rejected_by_the_cache() {
    let err = cache()
        .source_for(&Credentials::service_account_json(r#"{"privateKey": "x"}"#))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.field().unwrap().starts_with("credentials_string."));
    let err = cache()
        .source_for(&Credentials::api_key("nope"))
        .unwrap_err();
    assert_eq!(err.field(), Some("api_key"));
}

#[tokio::test]
async fn refused_exchange_is_an_auth_error_with_status_message_and_request_id() {
    let server = TokenServer::start().await;
    server.fail_with(
        401,
        r#"{"error":{"grpc_code":16,"http_code":401,"http_status":"Unauthorized","message":"Service account is disabled","details":[]}}"#,
    );
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let err = source.bearer().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.grpc_code(), Some(16));
    assert_eq!(err.request_id(), Some(super::token_server::REQUEST_ID));
    assert!(
        err.message().contains("Service account is disabled"),
        "{err}"
    );
}

#[tokio::test]
async fn logs_at_debug_name_events_but_no_secret() {
    let server = TokenServer::start().await;
    let (_guard, logs) = capture_logs();
    server.set_lifetime(-1);
    let source = cache().source_for(&sa_creds(&server)).unwrap();
    let first = source.bearer().await.unwrap();
    let second = source.bearer().await.unwrap();
    source.refresh(&second).await.unwrap();
    let text = logs.text();
    assert!(text.contains("bearer token generate triggered"), "{text}");
    assert!(text.contains("bearer token generated"), "{text}");
    assert!(text.contains("bearer token expired"), "{text}");
    for seen in server.seen() {
        assert!(!text.contains(&seen.access_token));
        assert!(!text.contains(&seen.assertion));
    }
    assert!(!text.contains(first.expose()));
    let key_body = test_key().pkcs8_pem.lines().nth(1).unwrap();
    assert!(!text.contains(key_body));
    assert!(!text.contains("PRIVATE KEY"));
    assert!(!text.contains(super::token_server::CLIENT_ID));
}

#[tokio::test]
async fn static_bearer_token_is_refused_once_expired() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let soon = super::jwt::now_secs() + 1;
    let token = format!(
        "{}.{}.sig",
        b64(r#"{"alg":"HS256"}"#),
        b64(&format!(r#"{{"exp":{soon}}}"#))
    );
    let source = super::StaticSource::bearer_token(&token, Logger::new(LogLevel::Off));
    // Still valid now, or expired by the time we ask; both outcomes must be consistent.
    match source.bearer().await {
        Ok(b) => assert_eq!(b.expose(), token),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Auth),
    }
    let past = super::jwt::now_secs() - 10;
    let token = format!(
        "{}.{}.sig",
        b64(r#"{"alg":"HS256"}"#),
        b64(&format!(r#"{{"exp":{past}}}"#))
    );
    let err = super::StaticSource::bearer_token(&token, Logger::new(LogLevel::Off))
        .bearer()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(!err.to_string().contains(&token));
}
