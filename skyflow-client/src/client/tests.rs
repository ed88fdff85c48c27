use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;

use super::*;
use crate::config::Env;
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::logging::capture;

const KEY_CLIENT: &str = "sky-ab1c2-0123456789abcdef0123456789abcdef";
const KEY_VAULT: &str = "sky-zz9y8-fedcba9876543210fedcba9876543210";

const _: () = {
    const fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    assert_clone_send_sync::<Skyflow>();
    assert_clone_send_sync::<VaultClient>();
    assert_clone_send_sync::<DetectClient>();
    assert_clone_send_sync::<ConnectionClient>();
};

fn get_request() -> HttpRequest {
    HttpRequest {
        operation: "GetRequest",
        method: Method::Get,
        path: "/v1/vaults/v1/persons".into(),
        query: Vec::new(),
        body: Body::Empty,
        idempotent: true,
        headers: Vec::new(),
    }
}

/// Sends [`get_request`] through a fresh handle of vault `id`.
async fn send_get(client: &Skyflow, id: &str) -> Result<HttpResponse> {
    client
        .vault(id)?
        .transport()
        .perform_one(&get_request())
        .await
}

/// Sends [`get_request`] through a fresh handle of vault `id`; it must succeed.
async fn call_vault(client: &Skyflow, id: &str) {
    send_get(client, id).await.unwrap();
}

/// A stub vault that records the Authorization header of every call.
async fn auth_recorder() -> (String, Arc<Mutex<Vec<String>>>) {
    async fn handler(State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap) -> String {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        seen.lock().unwrap().push(auth);
        "{}".to_owned()
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router = Router::new()
        .route("/v1/{*rest}", get(handler))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), seen)
}

// ----- build and validation --------------------------------------------------------------

#[test]
fn build_rejects_bad_configs_naming_the_field() {
    let field = |builder: SkyflowBuilder| builder.build().unwrap_err().field().map(str::to_owned);
    let b = Skyflow::builder;
    assert_eq!(
        field(b().vault_config(VaultConfig::new("", "c", Env::Prod))).as_deref(),
        Some("vaults[].vault_id")
    );
    assert_eq!(
        field(b().vault_config(VaultConfig::new("v", "", Env::Prod))).as_deref(),
        Some("vaults[v].cluster_id")
    );
    assert_eq!(
        field(b().vault_config(VaultConfig::from_base_url("v", "nope"))).as_deref(),
        Some("vaults[v].base_url")
    );
    assert_eq!(
        field(
            b().vault_config(VaultConfig::new("v", "c", Env::Prod))
                .vault_config(VaultConfig::new("v", "d", Env::Dev))
        )
        .as_deref(),
        Some("vaults[v].vault_id")
    );
    assert_eq!(
        field(
            b().connection_config(ConnectionConfig::new("c", "https://a.example"))
                .connection_config(ConnectionConfig::new("c", "https://b.example"))
        )
        .as_deref(),
        Some("connections[c].connection_id")
    );
    assert_eq!(
        field(b().connection_config(ConnectionConfig::new("c", "not a url"))).as_deref(),
        Some("connections[c].connection_url")
    );
    assert_eq!(
        field(
            b().connection_config(
                ConnectionConfig::new("k2", "https://a.example")
                    .with_credentials(Credentials::service_account_json("{}"))
            )
        )
        .as_deref(),
        Some("connections[k2].credentials.credentials_string.privateKey")
    );
    assert_eq!(
        field(b().header("authorization", "Bearer x")).as_deref(),
        Some("headers")
    );
    assert_eq!(
        field(b().retry(RetryConfig::standard().with_max_attempts(0))).as_deref(),
        Some("max_attempts")
    );
    assert_eq!(
        field(b().credentials(Credentials::api_key("sky-short"))).as_deref(),
        Some("credentials.api_key")
    );
    assert_eq!(
        field(
            b().vault_config(VaultConfig::new("v1", "c", Env::Prod))
                .vault_config(
                    VaultConfig::new("v2", "c", Env::Prod)
                        .with_credentials(Credentials::api_key("nope"))
                )
        )
        .as_deref(),
        Some("vaults[v2].credentials.api_key")
    );
    let err = b().header("x-api-key", "v").build().unwrap_err();
    assert!(err.is_config());
    assert!(err.message().contains("x-request-id"), "{err}");
    assert!(
        b().header("X-Request-ID", "r")
            .header("x-skyflow-account-name", "acme")
            .build()
            .is_ok()
    );
}

#[test]
fn handles_default_to_the_first_config_and_unknown_ids_fail() {
    let client = Skyflow::builder()
        .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
        .vault_config(VaultConfig::new("v2", "c2", Env::Sandbox))
        .connection_config(ConnectionConfig::new("k1", "https://gw.example.com/a"))
        .connection_config(ConnectionConfig::new("k2", "https://gw.example.com/b"))
        .credentials(Credentials::api_key(KEY_CLIENT))
        .build()
        .unwrap();
    assert_eq!(client.default_vault().unwrap().vault_id(), "v1");
    assert_eq!(client.default_detect().unwrap().vault_id(), "v1");
    assert_eq!(client.default_connection().unwrap().connection_id(), "k1");
    let v2 = client.vault("v2").unwrap();
    assert_eq!(v2.vault_url(), "https://c2.vault.skyflowapis-preview.com");
    assert_eq!(
        client.connection("k2").unwrap().connection_url(),
        "https://gw.example.com/b"
    );

    let err = client.vault("v3").unwrap_err();
    assert!(err.is_config());
    assert_eq!(err.field(), Some("vault_id"));
    assert_eq!(client.detect("v3").unwrap_err().field(), Some("vault_id"));
    assert_eq!(
        client.connection("k3").unwrap_err().field(),
        Some("connection_id")
    );

    let empty = Skyflow::builder().build().unwrap();
    assert_eq!(empty.default_vault().unwrap_err().field(), Some("vault_id"));
    assert_eq!(
        empty.default_connection().unwrap_err().field(),
        Some("connection_id")
    );
}

#[test]
fn configs_can_be_added_updated_removed_and_read_after_build() {
    let client = Skyflow::builder()
        .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
        .build()
        .unwrap();
    let clone = client.clone();

    clone
        .add_vault_config(VaultConfig::new("v2", "c2", Env::Dev))
        .unwrap();
    assert_eq!(client.vault_ids(), ["v1", "v2"]);
    assert_eq!(
        client
            .add_vault_config(VaultConfig::new("v2", "c9", Env::Dev))
            .unwrap_err()
            .field(),
        Some("vaults[v2].vault_id")
    );

    client
        .update_vault_config(VaultConfig::new("v2", "c3", Env::Stage))
        .unwrap();
    let v2 = clone.vault_config("v2").unwrap();
    assert_eq!(v2.cluster_id(), Some("c3"));
    assert_eq!(v2.env(), Env::Stage);
    assert_eq!(
        client
            .update_vault_config(VaultConfig::new("v9", "c", Env::Prod))
            .unwrap_err()
            .field(),
        Some("vault_id")
    );
    assert_eq!(
        client
            .update_vault_config(VaultConfig::new("v2", "", Env::Prod))
            .unwrap_err()
            .field(),
        Some("vaults[v2].cluster_id")
    );

    assert_eq!(client.remove_vault_config("v1").unwrap().vault_id(), "v1");
    assert_eq!(client.vault_ids(), ["v2"]);
    assert!(client.remove_vault_config("v1").is_err());

    client
        .add_connection_config(ConnectionConfig::new("k1", "https://a.example"))
        .unwrap();
    client
        .update_connection_config(ConnectionConfig::new("k1", "https://b.example"))
        .unwrap();
    assert_eq!(
        clone.connection_config("k1").unwrap().connection_url(),
        "https://b.example"
    );
    assert_eq!(
        client
            .update_connection_config(ConnectionConfig::new("k2", "https://b.example"))
            .unwrap_err()
            .field(),
        Some("connection_id")
    );
    client.remove_connection_config("k1").unwrap();
    assert!(clone.connection_ids().is_empty());
    assert!(client.connection_config("k1").is_err());
}

// ----- credentials -----------------------------------------------------------------------

#[tokio::test]
async fn vault_credentials_win_over_client_credentials_and_updates_apply() {
    let (base, seen) = auth_recorder().await;
    let client = Skyflow::builder()
        .vault_config(
            VaultConfig::from_base_url("own", &base)
                .with_credentials(Credentials::api_key(KEY_VAULT)),
        )
        .vault_config(VaultConfig::from_base_url("shared", &base))
        .credentials(Credentials::api_key(KEY_CLIENT))
        .build()
        .unwrap();
    call_vault(&client, "own").await;
    call_vault(&client, "shared").await;

    // Updating the client-wide credentials affects handles taken afterwards.
    let other = "sky-qq111-00000000000000000000000000000000";
    client
        .update_credentials(Credentials::api_key(other))
        .unwrap();
    call_vault(&client, "shared").await;
    call_vault(&client, "own").await;

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            format!("Bearer {KEY_VAULT}"),
            format!("Bearer {KEY_CLIENT}"),
            format!("Bearer {other}"),
            format!("Bearer {KEY_VAULT}"),
        ]
    );
    let err = client
        .update_credentials(Credentials::api_key("bad"))
        .unwrap_err();
    assert!(err.is_config());
    assert_eq!(err.field(), Some("credentials.api_key"));
}

#[test]
fn clones_share_the_token_cache_and_the_pool() {
    let client = Skyflow::builder()
        .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
        .vault_config(VaultConfig::new("v2", "c2", Env::Prod))
        .credentials(Credentials::api_key(KEY_CLIENT))
        .build()
        .unwrap();
    let clone = client.clone();
    let a = client.bearer_source_for_vault("v1").unwrap();
    let b = clone.bearer_source_for_vault("v1").unwrap();
    let c = clone.bearer_source_for_vault("v2").unwrap();
    let addr = |s: &Arc<dyn BearerSource>| Arc::as_ptr(s).cast::<()>();
    assert_eq!(
        addr(&a),
        addr(&b),
        "clones must share one source per credentials"
    );
    assert_eq!(addr(&a), addr(&c), "same credentials, same source");
    assert!(Arc::ptr_eq(&client.inner, &clone.inner));

    let other = Skyflow::builder()
        .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
        .credentials(Credentials::api_key(KEY_CLIENT))
        .build()
        .unwrap();
    let d = other.bearer_source_for_vault("v1").unwrap();
    assert_ne!(addr(&a), addr(&d), "separate clients have separate caches");
}

// ----- logging and secrets ---------------------------------------------------------------

#[tokio::test]
async fn log_level_changes_at_runtime() {
    let (captured, _guard) = capture::install();
    let client = Skyflow::builder()
        .vault_config(VaultConfig::new("vault-abc", "c1", Env::Prod))
        .credentials(Credentials::api_key(KEY_CLIENT))
        .build()
        .unwrap();
    assert_eq!(client.log_level(), LogLevel::Error);
    client.vault("vault-abc").unwrap();
    assert!(!captured.text().contains("vault handle created"));

    client.clone().set_log_level(LogLevel::Info);
    assert_eq!(client.log_level(), LogLevel::Info);
    client.vault("vault-abc").unwrap();
    let text = captured.text();
    assert!(text.contains("log level set to INFO"), "{text}");
    assert!(
        text.contains("vault handle created for vault id vault-abc"),
        "{text}"
    );

    client.set_log_level(LogLevel::Off);
    let before = captured.text().len();
    client.vault("vault-abc").unwrap();
    client.vault("missing").unwrap_err();
    assert_eq!(captured.text().len(), before);
}

#[tokio::test]
async fn no_secret_in_debug_output_or_debug_logs() {
    let (captured, _guard) = capture::install();
    let (base, _seen) = auth_recorder().await;
    let client = Skyflow::builder()
        .vault_config(
            VaultConfig::from_base_url("v1", &base)
                .with_credentials(Credentials::api_key(KEY_VAULT)),
        )
        .connection_config(
            ConnectionConfig::new("k1", "https://gw.example.com")
                .with_credentials(Credentials::api_key(KEY_VAULT)),
        )
        .credentials(Credentials::api_key(KEY_CLIENT))
        .header("x-skyflow-account-id", "acct-1")
        .log_level(LogLevel::Debug)
        .build()
        .unwrap();
    let vault = client.vault("v1").unwrap();
    vault
        .transport()
        .perform("GetRequest", |x| async move {
            crate::http::json_body::<serde_json::Value>(
                "GetRequest",
                &x.send(&get_request()).await?,
            )
        })
        .await
        .unwrap();
    let debug = format!(
        "{client:?} {vault:?} {:?} {:?} {:?} {:?}",
        client.vault_config("v1").unwrap(),
        client.connection_config("k1").unwrap(),
        client.connection("k1").unwrap(),
        client.default_detect().unwrap(),
    );
    let logs = captured.text();
    assert!(logs.contains("GetRequest: success"), "{logs}");
    assert!(logs.contains("DEBUG"), "{logs}");
    for secret in ["0123456789abcdef", "fedcba9876543210"] {
        assert!(!debug.contains(secret), "{secret} in Debug: {debug}");
        assert!(!logs.contains(secret), "{secret} in logs: {logs}");
    }
    assert!(debug.contains("v1") && debug.contains("k1"), "{debug}");
}

// ----- with the real service-account token provider --------------------------------------

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::auth::token_server::TokenServer;

/// A stub vault that answers 401 ("expired") to the first bearer token it sees, and 200 to
/// any other; it counts calls.
async fn expiring_vault() -> (String, Arc<Mutex<Vec<String>>>, Arc<AtomicUsize>) {
    #[derive(Clone)]
    struct St {
        seen: Arc<Mutex<Vec<String>>>,
        calls: Arc<AtomicUsize>,
    }
    async fn handler(State(st): State<St>, headers: HeaderMap) -> axum::response::Response {
        use axum::response::IntoResponse;
        st.calls.fetch_add(1, Ordering::SeqCst);
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut seen = st.seen.lock().unwrap();
        let first = seen.first().cloned();
        seen.push(auth.clone());
        if first.is_none() || first.as_deref() == Some(auth.as_str()) {
            let body = serde_json::json!({"error": {"grpc_code": 16, "http_code": 401,
                "http_status": "Unauthorized",
                "message": "Authentication failed. Bearer token is expired.", "details": []}});
            (axum::http::StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
        } else {
            axum::Json(serde_json::json!({"records": []})).into_response()
        }
    }
    let st = St {
        seen: Arc::default(),
        calls: Arc::default(),
    };
    let router = Router::new()
        .route("/v1/{*rest}", get(handler))
        .with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), st.seen, st.calls)
}

/// A client whose vault `v1` is at `base`, authenticated by `tokens`' service account.
fn service_account_client(base: &str, tokens: &TokenServer, retry: RetryConfig) -> Skyflow {
    Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", base))
        .credentials(Credentials::service_account_json(tokens.credentials_json()))
        .retry(retry)
        .build()
        .unwrap()
}

#[tokio::test]
async fn expired_service_account_token_is_refreshed_and_the_call_resent_once() {
    let tokens = TokenServer::start().await;
    let (base, seen, calls) = expiring_vault().await;
    let client = service_account_client(&base, &tokens, RetryConfig::disabled());
    let response = send_get(&client, "v1").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the original call and one resend"
    );
    assert_eq!(
        tokens.exchanges(),
        2,
        "one exchange, then one refresh after the 401"
    );
    let seen = seen.lock().unwrap();
    assert_ne!(seen[0], seen[1], "the resend carries the fresh token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_through_clones_and_handles_cause_one_exchange() {
    let tokens = TokenServer::start().await;
    // A slow exchange, so every request is waiting for the token at the same time.
    tokens.set_delay(Duration::from_millis(200));
    let (base, seen) = auth_recorder().await;
    let client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", &base))
        .vault_config(VaultConfig::from_base_url("v2", &base))
        .credentials(Credentials::service_account_json(tokens.credentials_json()))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let clone = client.clone();
        tasks.push(tokio::spawn(async move {
            let vault = if i % 2 == 0 { "v1" } else { "v2" };
            call_vault(&clone, vault).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        tokens.exchanges(),
        1,
        "one exchange shared by every clone and handle"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 50);
    assert!(seen.iter().all(|auth| auth == &seen[0]));
    assert_eq!(seen[0], format!("Bearer {}", tokens.seen()[0].access_token));
}

/// `SKYFLOW_CREDENTIALS` cannot be set inside this process without `unsafe`, so the
/// environment case runs [`env_child`] as a child process of this test binary.
#[tokio::test]
async fn env_var_is_the_last_resort_for_credentials() {
    let tokens = TokenServer::start().await;
    let (base, seen) = auth_recorder().await;
    // The child runs in an empty directory, so no `.env` file of the checkout is found.
    let cwd = tempfile::tempdir().unwrap();
    let run = |mode: &'static str| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.current_dir(cwd.path());
        if mode == "none" {
            cmd.env_remove(crate::credentials::ENV_VAR);
        }
        cmd.args([
            "client::tests::env_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SKYFLOW_TEST_CLIENT_MODE", mode)
        .env("SKYFLOW_TEST_VAULT_URL", &base);
        if mode != "none" {
            cmd.env(crate::credentials::ENV_VAR, tokens.credentials_json());
        }
        async move {
            let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
                .await
                .unwrap();
            assert!(
                out.status.success(),
                "child failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                stdout.contains("1 passed"),
                "the child did not run env_child:\n{stdout}"
            );
        }
    };
    run("none").await;
    assert_eq!(tokens.exchanges(), 0);
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing was sent without credentials"
    );
    run("env").await;
    assert_eq!(tokens.exchanges(), 1, "the env service account was used");
    run("client").await;
    assert_eq!(
        tokens.exchanges(),
        1,
        "client-wide credentials win over the env"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].starts_with("Bearer ey"), "a service-account JWT");
    assert_eq!(seen[1], format!("Bearer {KEY_CLIENT}"));
}

#[tokio::test]
#[ignore = "run by env_var_is_the_last_resort_for_credentials in a child process"]
async fn env_child() {
    const NOT_A_CHILD: &str =
        "env_child only runs as a child process of env_var_is_the_last_resort_for_credentials";
    let mode = std::env::var("SKYFLOW_TEST_CLIENT_MODE").expect(NOT_A_CHILD);
    let base = std::env::var("SKYFLOW_TEST_VAULT_URL").expect(NOT_A_CHILD);
    let mut builder = Skyflow::builder().vault_config(VaultConfig::from_base_url("v1", base));
    if mode == "client" {
        builder = builder.credentials(Credentials::api_key(KEY_CLIENT));
    }
    let client = builder.build().unwrap();
    if mode == "none" {
        assert!(std::env::var_os(crate::credentials::ENV_VAR).is_none());
        let err = client.default_vault().unwrap_err();
        assert!(err.is_config());
        assert_eq!(err.field(), Some("credentials"));
        return;
    }
    assert!(
        matches!(mode.as_str(), "env" | "client"),
        "unknown mode {mode}"
    );
    call_vault(&client, "v1").await;
}

// ----- logging through the client's gate, parsing once --------------------------------------

#[tokio::test]
async fn service_account_token_lines_follow_the_client_log_level() {
    let (captured, _guard) = capture::install();
    let tokens = TokenServer::start().await;
    let (base, _seen) = auth_recorder().await;
    let creds = Credentials::service_account_json(tokens.credentials_json());
    let silent = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", &base))
        .credentials(creds.clone())
        .log_level(LogLevel::Off)
        .build()
        .unwrap();
    call_vault(&silent, "v1").await;
    assert_eq!(tokens.exchanges(), 1);
    assert_eq!(captured.text(), "", "nothing at all at OFF");

    let chatty = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", &base))
        .credentials(creds)
        .log_level(LogLevel::Info)
        .build()
        .unwrap();
    for _ in 0..2 {
        call_vault(&chatty, "v1").await;
    }
    assert_eq!(tokens.exchanges(), 2);
    let text = captured.text();
    for line in [
        "bearer token generate triggered",
        "bearer token generated",
        "bearer token reused",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    for seen in tokens.seen() {
        assert!(!text.contains(&seen.access_token), "{text}");
        assert!(!text.contains(&seen.assertion), "{text}");
    }
    let key_line = crate::auth::token_server::test_key()
        .pkcs8_pem
        .lines()
        .nth(1)
        .unwrap();
    assert!(!text.contains(key_line), "{text}");
    assert!(
        !text.contains(crate::auth::token_server::CLIENT_ID),
        "{text}"
    );
}

#[test]
fn handles_do_not_parse_the_private_key_again() {
    use crate::service_account::key::PARSES;
    let json = crate::auth::token_server::credentials_json(
        "https://manage.example.com/v1/auth/sa/oauth/token",
    );
    let client = Skyflow::builder()
        .vault_config(
            VaultConfig::from_base_url("own", "http://127.0.0.1:9")
                .with_credentials(Credentials::service_account_json(json.clone())),
        )
        .vault_config(VaultConfig::from_base_url("shared", "http://127.0.0.1:9"))
        .credentials(Credentials::service_account_json(json))
        .build()
        .unwrap();
    client.vault("own").unwrap();
    client.vault("shared").unwrap();
    let before = PARSES.with(std::cell::Cell::get);
    for _ in 0..10 {
        client.vault("own").unwrap();
        client.default_vault().unwrap();
        client.detect("shared").unwrap();
    }
    assert_eq!(PARSES.with(std::cell::Cell::get), before);
}

// ----- token exchange failures inside the retry loop ----------------------------------------

fn quick_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(20))
        .with_jitter(false)
}

#[tokio::test]
async fn a_token_endpoint_503_is_retried_even_for_a_non_idempotent_call() {
    let tokens = TokenServer::start().await;
    tokens.fail_next(503, r#"{"error":{"message":"token service restarting"}}"#);
    let (base, seen) = auth_recorder().await;
    let client = service_account_client(&base, &tokens, quick_retries());
    let mut request = get_request();
    request.idempotent = false;
    let response = client
        .vault("v1")
        .unwrap()
        .transport()
        .perform_one(&request)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(tokens.rejected(), 1);
    assert_eq!(tokens.exchanges(), 1);
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the vault saw exactly one call"
    );
}

#[tokio::test]
async fn a_refused_assertion_is_not_retried() {
    let tokens = TokenServer::start().await;
    tokens.fail_next(401, r#"{"error":{"message":"unknown key"}}"#);
    let (base, seen) = auth_recorder().await;
    let client = service_account_client(&base, &tokens, quick_retries());
    let err = send_get(&client, "v1").await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(tokens.rejected(), 1);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_refresh_after_a_401_is_retried() {
    let tokens = TokenServer::start().await;
    let (base, seen, calls) = expiring_vault().await;
    let client = service_account_client(&base, &tokens, quick_retries());
    let vault = client.vault("v1").unwrap();
    // The first exchange works; the one replacing the rejected token fails once.
    client
        .bearer_source_for_vault("v1")
        .unwrap()
        .bearer()
        .await
        .unwrap();
    tokens.fail_next(502, "bad gateway");
    let mut request = get_request();
    request.idempotent = false;
    let response = vault.transport().perform_one(&request).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the rejected call and one resend"
    );
    assert_eq!(tokens.exchanges(), 2);
    assert_eq!(tokens.rejected(), 1);
    let seen = seen.lock().unwrap();
    assert_ne!(seen[0], seen[1]);
}

// ----- the token cache forgets updated and removed credentials ------------------------------

#[tokio::test]
async fn updated_vault_and_connection_configs_get_a_new_token_exchange() {
    let tokens = TokenServer::start().await;
    let (base, _seen) = auth_recorder().await;
    let creds = Credentials::service_account_json(tokens.credentials_json());
    let client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", &base).with_credentials(creds.clone()))
        .connection_config(ConnectionConfig::new("k1", &base).with_credentials(creds.clone()))
        .build()
        .unwrap();
    call_vault(&client, "v1").await;
    call_vault(&client, "v1").await;
    assert_eq!(tokens.exchanges(), 1, "cached between calls");

    client
        .update_vault_config(
            VaultConfig::from_base_url("v1", &base).with_credentials(creds.clone()),
        )
        .unwrap();
    call_vault(&client, "v1").await;
    assert_eq!(tokens.exchanges(), 2, "the update forced a new exchange");

    client
        .update_connection_config(ConnectionConfig::new("k1", &base).with_credentials(creds))
        .unwrap();
    call_vault(&client, "v1").await;
    assert_eq!(tokens.exchanges(), 3, "same credentials, forgotten again");
}

#[tokio::test]
async fn updated_client_credentials_get_a_new_token_exchange() {
    let tokens = TokenServer::start().await;
    let (base, _seen) = auth_recorder().await;
    let creds = Credentials::service_account_json(tokens.credentials_json());
    let client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", &base))
        .credentials(creds.clone())
        .build()
        .unwrap();
    call_vault(&client, "v1").await;
    assert_eq!(tokens.exchanges(), 1);
    client.update_credentials(creds).unwrap();
    call_vault(&client, "v1").await;
    assert_eq!(tokens.exchanges(), 2);
}

#[test]
fn removed_configs_release_their_cached_tokens_unless_still_used() {
    let own = Credentials::api_key(KEY_VAULT);
    let client = Skyflow::builder()
        .vault_config(VaultConfig::new("v1", "c1", Env::Prod).with_credentials(own.clone()))
        .vault_config(VaultConfig::new("v2", "c2", Env::Prod).with_credentials(own.clone()))
        .connection_config(
            ConnectionConfig::new("k1", "https://gw.example.com")
                .with_credentials(Credentials::api_key(KEY_CLIENT)),
        )
        .build()
        .unwrap();
    client.vault("v1").unwrap();
    client.connection("k1").unwrap();
    assert_eq!(client.inner.tokens.len(), 2);
    client.remove_vault_config("v1").unwrap();
    assert_eq!(client.inner.tokens.len(), 2, "v2 still uses the same key");
    client.remove_vault_config("v2").unwrap();
    assert_eq!(client.inner.tokens.len(), 1);
    client.remove_connection_config("k1").unwrap();
    assert_eq!(client.inner.tokens.len(), 0);
}
