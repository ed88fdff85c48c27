//! Credentials: constructors, validation, the JSON object form, the environment variable,
//! precedence and redaction.

#[path = "support/token_server.rs"]
mod token_server;

use base64::Engine as _;
use serde_json::json;
use skyflow_client::ErrorKind;
use skyflow_client::credentials::{Context, Credentials, CredentialsKind, ENV_VAR};
use token_server::{CLIENT_ID, KEY_ID, credentials_json, now, test_key};

const API_KEY: &str = "sky-ab1c2-0123456789abcdef0123456789abcdef";
const TOKEN_URI: &str = "https://manage.example.com/v1/auth/sa/oauth/token";

fn jwt_with_exp(exp: i64) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(&format!(r#"{{"sub":"someone","exp":{exp}}}"#))
    )
}

fn sa_json() -> String {
    credentials_json(TOKEN_URI)
}

/// The environment is process-wide and `set_var` is unsafe (the workspace forbids
/// `unsafe`), so tests that need `SKYFLOW_CREDENTIALS` run [`env_child`] in a child process of
/// this test binary with the variable set (or removed) there, and read its `RESULT` line.
/// Each child has its own environment, so these tests cannot race each other.
fn run_child(mode: &str, value: Option<&str>) -> String {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "env_child",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("SKYFLOW_TEST_ENV_MODE", mode);
    match value {
        Some(v) => cmd.env(ENV_VAR, v),
        None => cmd.env_remove(ENV_VAR),
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.split_once("RESULT ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no RESULT line in {stdout}"))
        .to_owned()
}

fn summary(result: skyflow_client::Result<Option<Credentials>>) -> String {
    match result {
        Ok(None) => "none".to_owned(),
        Ok(Some(c)) => format!("some {:?}", c.kind()),
        Err(e) => format!("err {:?} {}", e.kind(), e.field().unwrap_or("-")),
    }
}

#[test]
#[ignore = "helper: run in a child process by the environment-variable tests"]
fn env_child() {
    let mode = std::env::var("SKYFLOW_TEST_ENV_MODE").unwrap_or_default();
    let result = match mode.as_str() {
        "from_env" => summary(Credentials::from_env()),
        "resolve" => summary(Credentials::resolve(None, None).map(Some)),
        "precedence" => {
            precedence_matrix();
            "done".to_owned()
        }
        other => panic!("unknown mode {other:?}"),
    };
    println!("RESULT {result}");
}

fn assert_config_error(
    result: skyflow_client::Result<impl std::fmt::Debug>,
    field: &str,
) -> skyflow_client::Error {
    let err = result.expect_err("expected a config error");
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert_eq!(err.field(), Some(field), "{err}");
    assert_eq!(err.http_code(), Some(400));
    err
}

#[test]
fn api_key_format_is_checked() {
    assert!(Credentials::api_key(API_KEY).validate().is_ok());
    // As in the official SDKs' config validation: `sky-` and 42 characters (plus, ours: no
    // whitespace); the inner shape is not checked.
    for good in [
        "sky-ab1c2-0123456789abcdef0123456789abcdex",
        "sky-ab!c2-0123456789abcdef0123456789abcdef",
        "sky-ab1c2_0123456789abcdef0123456789abcdef",
    ] {
        assert!(Credentials::api_key(good).validate().is_ok(), "{good}");
    }
    for bad in [
        "",
        "sky-short",
        "abc-ab1c2-0123456789abcdef0123456789abcdef",
        "sky-ab1c2-0123456789abcdef0123456789abcdef0",
        "sky-ab1c2-0123456789abcdef\t123456789abcdef",
    ] {
        let err = assert_config_error(Credentials::api_key(bad).validate(), "api_key");
        if !bad.is_empty() {
            assert!(!err.to_string().contains(bad), "{err}");
        }
    }
}

#[test]
fn bearer_token_must_be_an_unexpired_jwt() {
    assert!(
        Credentials::bearer_token(jwt_with_exp(now() + 600))
            .validate()
            .is_ok()
    );
    for bad in [
        jwt_with_exp(now() - 1),
        "opaque-token-value".to_owned(),
        String::new(),
        format!(
            "{}.{}.x",
            "e30",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("{}")
        ),
    ] {
        let err = assert_config_error(Credentials::bearer_token(bad.clone()).validate(), "token");
        if !bad.is_empty() {
            assert!(!format!("{err} {err:?}").contains(&bad));
        }
    }
}

#[test]
fn service_account_kinds_validate() {
    assert!(
        Credentials::service_account_file("/etc/skyflow/sa.json")
            .validate()
            .is_ok()
    );
    assert_config_error(Credentials::service_account_file("").validate(), "path");
    assert!(
        Credentials::service_account_json(sa_json())
            .validate()
            .is_ok()
    );
    assert_config_error(
        Credentials::service_account_json("  ").validate(),
        "credentials_string",
    );
    assert_config_error(
        Credentials::service_account_json("{not json").validate(),
        "credentials_string",
    );

    let good: serde_json::Value = serde_json::from_str(&sa_json()).unwrap();
    for (key, field) in [
        ("privateKey", "credentials_string.privateKey"),
        ("clientID", "credentials_string.clientID"),
        ("keyID", "credentials_string.keyID"),
        ("tokenURI", "credentials_string.tokenURI"),
    ] {
        let mut v = good.clone();
        v.as_object_mut().unwrap().remove(key);
        assert_config_error(
            Credentials::service_account_json(v.to_string()).validate(),
            field,
        );
    }
    // clientName is optional.
    let mut v = good.clone();
    v.as_object_mut().unwrap().remove("clientName");
    assert!(
        Credentials::service_account_json(v.to_string())
            .validate()
            .is_ok()
    );

    let mut v = good.clone();
    v["privateKey"] = json!("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----");
    assert_config_error(
        Credentials::service_account_json(v.to_string()).validate(),
        "credentials_string.privateKey",
    );

    for uri in [
        "not a url",
        "http://manage.example.com/token",
        "ftp://x.example.com",
        "/v1/auth",
    ] {
        let mut v = good.clone();
        v["tokenURI"] = json!(uri);
        assert_config_error(
            Credentials::service_account_json(v.to_string()).validate(),
            "credentials_string.tokenURI",
        );
    }
    // Loopback http is allowed (local emulator).
    for uri in [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://[::1]:1/x",
    ] {
        let mut v = good.clone();
        v["tokenURI"] = json!(uri);
        assert!(
            Credentials::service_account_json(v.to_string())
                .validate()
                .is_ok(),
            "{uri}"
        );
    }
    // snake_case keys and a PKCS#1 key.
    let snake = json!({
        "client_id": CLIENT_ID, "key_id": KEY_ID, "token_uri": TOKEN_URI,
        "private_key": test_key().pkcs1_pem,
    });
    assert!(
        Credentials::service_account_json(snake.to_string())
            .validate()
            .is_ok()
    );
}

#[test]
fn roles_context_and_token_uri_options() {
    let base = Credentials::service_account_file("sa.json");
    assert!(base.clone().with_roles(["r1", "r2"]).validate().is_ok());
    assert_config_error(base.clone().with_roles(["r1", " "]).validate(), "roles");
    assert!(base.clone().with_context("user_1").validate().is_ok());
    assert!(
        base.clone()
            .with_context(Context::map([("user_id", 1)]))
            .validate()
            .is_ok()
    );
    let err = assert_config_error(
        base.clone()
            .with_context(Context::map([("user-id", 1)]))
            .validate(),
        "context",
    );
    assert!(err.message().contains("user-id"));
    assert!(base.clone().with_token_uri(TOKEN_URI).validate().is_ok());
    assert_config_error(base.clone().with_token_uri("nope").validate(), "token_uri");

    // They only make sense for service accounts.
    assert_config_error(
        Credentials::api_key(API_KEY).with_roles(["r1"]).validate(),
        "roles",
    );
    assert_config_error(
        Credentials::api_key(API_KEY).with_context("x").validate(),
        "context",
    );
    assert_config_error(
        Credentials::api_key(API_KEY)
            .with_token_uri(TOKEN_URI)
            .validate(),
        "token_uri",
    );

    let creds = base
        .with_roles(["r1"])
        .with_context("c")
        .with_token_uri(TOKEN_URI);
    assert_eq!(creds.roles(), ["r1"]);
    assert_eq!(creds.context(), Some(&Context::Text("c".into())));
    assert_eq!(creds.token_uri(), Some(TOKEN_URI));
    assert_eq!(creds.kind(), CredentialsKind::ServiceAccountFile);
}

#[test]
fn json_object_form_for_every_kind() {
    let token = jwt_with_exp(now() + 600);
    let cases = [
        (json!({"api_key": API_KEY}), CredentialsKind::ApiKey),
        (json!({"apiKey": API_KEY}), CredentialsKind::ApiKey),
        (json!({"token": token}), CredentialsKind::BearerToken),
        (
            json!({"path": "/etc/sa.json", "roles": ["r1"], "context": {"k": "v"}, "token_uri": TOKEN_URI}),
            CredentialsKind::ServiceAccountFile,
        ),
        (
            json!({"credentials_string": sa_json(), "context": "ctx"}),
            CredentialsKind::ServiceAccountJson,
        ),
        // Null or empty values count as absent.
        (
            json!({"api_key": API_KEY, "token": null, "path": ""}),
            CredentialsKind::ApiKey,
        ),
    ];
    for (value, kind) in cases {
        let creds = Credentials::from_json_str(&value.to_string()).unwrap();
        assert_eq!(creds.kind(), kind);
        let via_serde: Credentials = serde_json::from_value(value).unwrap();
        assert_eq!(via_serde, creds);
    }
    let creds = Credentials::from_json_str(
        &json!({"path": "/etc/sa.json", "roles": ["r1"], "context": {"k": "v"}, "token_uri": TOKEN_URI}).to_string(),
    )
    .unwrap();
    assert_eq!(creds.roles(), ["r1"]);
    assert_eq!(creds.context(), Some(&Context::map([("k", "v")])));
    assert_eq!(creds.token_uri(), Some(TOKEN_URI));
}

#[test]
fn json_object_form_rejects_bad_shapes() {
    let token = jwt_with_exp(now() + 600);
    let err = assert_config_error(
        Credentials::from_json_str(&json!({"api_key": API_KEY, "token": token}).to_string()),
        "credentials",
    );
    assert!(err.message().contains("api_key, token"), "{err}");
    assert!(!err.to_string().contains(API_KEY));
    let err = assert_config_error(
        Credentials::from_json_str(
            &json!({"path": "a", "credentials_string": sa_json(), "api_key": API_KEY}).to_string(),
        ),
        "credentials",
    );
    assert!(
        err.message().contains("api_key, path, credentials_string"),
        "{err}"
    );

    let err = assert_config_error(Credentials::from_json_str("{}"), "credentials");
    assert!(err.message().contains("no credentials"));
    assert_config_error(Credentials::from_json_str(r#"{"api_key": ""}"#), "api_key");
    assert_config_error(Credentials::from_json_str(r#"{"api_key": 42}"#), "api_key");
    assert_config_error(
        Credentials::from_json_str(r#"{"path": "a", "roles": "r1"}"#),
        "roles",
    );
    assert_config_error(
        Credentials::from_json_str(r#"{"path": "a", "roles": [1]}"#),
        "roles",
    );
    assert_config_error(
        Credentials::from_json_str(r#"{"path": "a", "context": 5}"#),
        "context",
    );
    assert_config_error(
        Credentials::from_json_str(r#"{"path": "a", "context": {"a-b": 1}}"#),
        "context",
    );
    assert_config_error(
        Credentials::from_json_str(r#"{"path": "a", "token_uri": "x"}"#),
        "token_uri",
    );
    assert_config_error(
        Credentials::from_json_str(r#"{"path": "a", "colour": "red"}"#),
        "credentials",
    );
    assert_config_error(Credentials::from_json_str("[1]"), "credentials");
    assert_config_error(Credentials::from_json_str("not json"), "credentials");
    // A secret with the wrong type is never quoted back.
    let err = Credentials::from_json_str(r#"{"api_key": ["sky-secret-value"]}"#).unwrap_err();
    assert!(!err.to_string().contains("sky-secret-value"));
    let err =
        serde_json::from_str::<Credentials>(r#"{"token": "a.b", "api_key": "sky-secret-value"}"#)
            .unwrap_err();
    assert!(!err.to_string().contains("sky-secret-value"));
}

#[test]
fn env_var_is_read_as_service_account_json() {
    // Unset or blank: nothing.
    assert_eq!(run_child("from_env", None), "none");
    assert_eq!(run_child("from_env", Some("   \n")), "none");

    // Compact JSON with surrounding whitespace.
    let compact = format!("  {}\n", sa_json());
    assert_eq!(
        run_child("from_env", Some(&compact)),
        "some ServiceAccountJson"
    );

    // Pretty-printed JSON (Python's SDK rejects this; we accept it).
    let value: serde_json::Value = serde_json::from_str(&sa_json()).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert_eq!(
        run_child("from_env", Some(&pretty)),
        "some ServiceAccountJson"
    );

    // A PEM with real line breaks inside the JSON string.
    let raw = format!(
        "{{\"clientID\":\"{CLIENT_ID}\",\"keyID\":\"{KEY_ID}\",\"tokenURI\":\"{TOKEN_URI}\",\"privateKey\":\"{}\"}}",
        test_key().pkcs8_pem
    );
    assert!(raw.contains('\n'));
    assert_eq!(run_child("from_env", Some(&raw)), "some ServiceAccountJson");

    // Broken values are config errors naming the variable (and the key).
    assert_eq!(
        run_child("from_env", Some("{oops")),
        format!("err Config {ENV_VAR}")
    );
    assert_eq!(
        run_child(
            "from_env",
            Some(r#"{"clientID": "c", "keyID": "k", "tokenURI": "https://x.example.com"}"#)
        ),
        format!("err Config {ENV_VAR}.privateKey")
    );
}

#[test]
fn precedence_falls_back_to_env_then_errors() {
    assert_eq!(
        run_child("resolve", Some(&sa_json())),
        "some ServiceAccountJson"
    );
    assert_eq!(run_child("resolve", None), "err Config credentials");
    assert_eq!(run_child("resolve", Some("  ")), "err Config credentials");
    assert_eq!(
        run_child("resolve", Some("[]")),
        format!("err Config {ENV_VAR}")
    );
}

#[test]
fn precedence_config_then_client_then_env_for_every_kind() {
    let env_value = credentials_json("https://env.example.com/v1/auth/sa/oauth/token");
    assert_eq!(run_child("precedence", Some(&env_value)), "done");
}

/// Runs in a child process with `SKYFLOW_CREDENTIALS` set to a service account whose token
/// URI is `https://env.example.com/...`.
fn precedence_matrix() {
    let kinds = [
        Credentials::api_key(API_KEY),
        Credentials::bearer_token(jwt_with_exp(now() + 600)),
        Credentials::service_account_file("/etc/skyflow/sa.json"),
        Credentials::service_account_json(sa_json()),
    ];
    for config in &kinds {
        for client in &kinds {
            // Config credentials win over client-wide ones and the environment.
            assert_eq!(
                &Credentials::resolve(Some(config), Some(client)).unwrap(),
                config
            );
            assert_eq!(&Credentials::resolve(Some(config), None).unwrap(), config);
            // Then the client-wide ones.
            assert_eq!(&Credentials::resolve(None, Some(client)).unwrap(), client);
        }
    }
    // Then the environment.
    let env_value = std::env::var(ENV_VAR).unwrap();
    assert!(env_value.contains("env.example.com"));
    let chosen = Credentials::resolve(None, None).unwrap();
    assert_eq!(chosen, Credentials::service_account_json(env_value.trim()));
    // The chosen credentials are validated; an invalid config entry is not skipped.
    let err =
        Credentials::resolve(Some(&Credentials::api_key("bad")), Some(&kinds[0])).unwrap_err();
    assert_eq!(err.field(), Some("api_key"));
}

#[test]
fn debug_never_shows_a_secret() {
    let token = jwt_with_exp(now() + 600);
    let json = sa_json();
    let cases = [
        (Credentials::api_key(API_KEY), API_KEY.to_owned()),
        (Credentials::bearer_token(token.clone()), token.clone()),
        (
            Credentials::service_account_json(json.clone()),
            json.clone(),
        ),
    ];
    for (creds, secret) in cases {
        let shown = format!("{creds:?} {creds:#?}");
        assert!(!shown.contains(&secret), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
    let shown = format!(
        "{:?}",
        Credentials::service_account_json(json.clone()).with_roles(["r1"])
    );
    assert!(!shown.contains("PRIVATE KEY"));
    assert!(!shown.contains(CLIENT_ID));
    assert!(shown.contains("r1"));
    // Parts of the secret don't leak either.
    assert!(!shown.contains(test_key().pkcs8_pem.lines().nth(1).unwrap()));
    // A path is not a secret and is shown.
    let shown = format!(
        "{:?}",
        Credentials::service_account_file("/etc/skyflow/sa.json")
    );
    assert!(shown.contains("/etc/skyflow/sa.json"));
    // Nor do validation errors quote the secret.
    let err = Credentials::service_account_json(json.replace("tokenURI", "tokenUR"))
        .validate()
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("PRIVATE KEY"));
}
