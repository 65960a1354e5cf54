//! Writes the seed corpora of the fuzz targets: a handful of valid (and a few nearly valid)
//! inputs each, made with the crates' own APIs, in the layout of `intoss_fuzz::Input`.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example make_seeds -- fuzz/corpus
//!
//! Keys are generated afresh, so a second run writes different bytes for the same seeds: run it
//! when an input layout changes, not routinely. No private key is written.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use intoss_fuzz::{Seed, VECTOR_FIELD, VECTOR_ID, VECTOR_IV, VECTOR_KEY, VECTOR_PLAIN, vector_session};
use intoss_pki::{CertificateAuthority, ClientKey, KeyType, der_to_pem, sign_attached};
use intoss_proto::fieldcrypto::generate_platform_key;
use rcgen::{CertificateParams, DnType, KeyPair};
use serde_json::json;
use time::OffsetDateTime;

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    let now = OffsetDateTime::now_utc();
    let key: [u8; 32] = BASE64.decode(VECTOR_KEY).unwrap().try_into().unwrap();
    let iv: [u8; 12] = BASE64.decode(VECTOR_IV).unwrap().try_into().unwrap();
    let b64 = |b: &[u8]| BASE64.encode(b);

    // field: 0 = hostile field, 1 = round trip (key, iv, bit index, id, plaintext).
    let dir = target(&root, "field");
    write(&dir, "vector-field", Seed::mode(0).raw(VECTOR_FIELD.as_bytes()));
    write(&dir, "cbc-field", Seed::mode(0).raw(format!("{VECTOR_FIELD}$aG1hYw==").as_bytes()));
    write(&dir, "java-sdk-field", Seed::mode(0).raw(VECTOR_FIELD.replacen("v1", "v1_0.0.14", 1).as_bytes()));
    let korean = vector_session().encrypt("김토스").unwrap();
    write(&dir, "korean-field", Seed::mode(0).raw(korean.as_bytes()));
    let round = |id: &str, plain: &str| {
        Seed::mode(1).raw(&key).raw(&iv).raw(&[7, 0]).short_string(id).raw(plain.as_bytes())
    };
    write(&dir, "vector-round-trip", round(VECTOR_ID, VECTOR_PLAIN));
    write(&dir, "empty-round-trip", round("s", ""));
    write(&dir, "birthday-round-trip", round(VECTOR_ID, "19930324"));

    // session_key: 0 = hostile sessionKey, 1 = hostile RSA plaintext, 2 = partner round trip.
    let dir = target(&root, "session_key");
    let (_, spki) = generate_platform_key().unwrap();
    let session_key = vector_session().session_key(&spki).unwrap();
    write(&dir, "session-key", Seed::mode(0).raw(session_key.as_bytes()));
    write(
        &dir,
        "java-sdk-session-key",
        Seed::mode(0).raw(session_key.replacen("v1", "v1_0.0.14", 1).as_bytes()),
    );
    let gcm = format!("AES_GCM${}${}", b64(&key), b64(&iv));
    write(&dir, "gcm-plaintext", Seed::mode(1).short_string("").short_string(VECTOR_ID).raw(gcm.as_bytes()));
    write(
        &dir,
        "gcm-plaintext-java-sdk",
        Seed::mode(1).short_string("v1_0.0.14").short_string("id").raw(gcm.as_bytes()),
    );
    let cbc = format!("AES_CBC${}${}", b64(&key), b64(&[2; 16]));
    write(&dir, "cbc-plaintext", Seed::mode(1).short_string("").short_string(VECTOR_ID).raw(cbc.as_bytes()));
    write(
        &dir,
        "partner-round-trip",
        Seed::mode(2).raw(&key).raw(&iv).short_string(VECTOR_ID).raw("김토스".as_bytes()),
    );

    // ip_allowlist: text, one entry per line.
    let dir = target(&root, "ip_allowlist");
    write(&dir, "seed-ranges", Seed::default().raw(b"117.52.3.80~87\n211.115.96.80~87\n106.249.5.80~87"));
    write(&dir, "cidrs", Seed::default().raw(b"10.0.0.0/8\n192.168.1.7\n2001:db8::/32\n0.0.0.0/0"));
    write(&dir, "full-range", Seed::default().raw(b"1.2.3.250~1.2.4.5\n 117.52.3.80 ~ 117.52.3.80 "));
    write(&dir, "v6-and-mapped", Seed::default().raw(b"::1\n::ffff:10.1.2.3\nfe80::/64\n::/0"));
    write(&dir, "mapped-blocks", Seed::default().raw(b"::ffff:10.0.0.0/104\n::ffff:1.2.3.4/128"));
    write(&dir, "bad-entries", Seed::default().raw(b"10.0.0.1/8\n1.2.3.9~2\n1.2.3.4~300\nabc"));

    // token_form: the body.
    let dir = target(&root, "token_form");
    write(
        &dir,
        "client-credentials",
        Seed::default()
            .raw(b"grant_type=client_credentials&scope=ca&client_id=test_abc&client_secret=s3cr%2Bt"),
    );
    write(
        &dir,
        "plus-and-unknown",
        Seed::default().raw(b"scope=ca+ca&foo=bar&&grant_type=x&client_id=%ED%86%A0%EC%8A%A4"),
    );
    write(&dir, "repeated", Seed::default().raw(b"scope=ca&scope=ca"));
    write(&dir, "bad-percent", Seed::default().raw(b"client_id=%4&client_secret=%zz"));

    // cert_listener: 0-3 = hostile body of request/status/result/validate, 4 = personal request,
    // 5 = token (Basic flag), 6 = envelope, 7 = bearer header.
    let dir = target(&root, "cert_listener");
    let request_none = json!({"requestType": "USER_NONE", "requestUrl": "https://partner.example/callback"});
    write(&dir, "request-user-none", Seed::mode(0).raw(request_none.to_string().as_bytes()));
    write(&dir, "status", Seed::mode(1).raw(br#"{"txId":"0e1d7d2b-3c6f-4d8e-9a4b-1f2e3d4c5b6a"}"#));
    write(
        &dir,
        "result",
        Seed::mode(2).raw(format!(r#"{{"txId":"x","sessionKey":"{session_key}"}}"#).as_bytes()),
    );
    let (ca, _) = CertificateAuthority::generate("intoss sandbox Toss CA1", now).unwrap();
    let validate = json!({"certificate": ca.cert_pem()});
    write(&dir, "validate", Seed::mode(3).raw(validate.to_string().as_bytes()));
    let personal = json!({
        "requestType": "USER_PERSONAL", "triggerType": "APP_SCHEME", "requestUrl": "intoss://callback",
        "userName": "김토스", "userPhone": "01012345678", "userBirthday": "19930324",
    });
    write(&dir, "request-personal", Seed::mode(4).raw(personal.to_string().as_bytes()));
    let push = json!({
        "requestType": "USER_PERSONAL", "triggerType": "PUSH", "requestUrl": "https://p.example",
        "userName": " 홍길동 ", "userPhone": "0101234567", "userBirthday": "20000229",
    });
    write(&dir, "request-personal-push", Seed::mode(4).raw(push.to_string().as_bytes()));
    let form = b"grant_type=client_credentials&scope=ca&client_id=CLIENT&client_secret=SECRET";
    write(&dir, "token-body", Seed::mode(5).raw(&[0]).raw(form));
    write(
        &dir,
        "token-basic",
        Seed::mode(5).raw(&[1]).short_string("CLIENT:SECRET").raw(b"grant_type=client_credentials&scope=ca"),
    );
    let fail = r#"{"resultType":"FAIL","error":{"errorType":0,"errorCode":"CE1000","reason":"토큰이 유효하지 않습니다.","data":{},"title":null},"success":null}"#;
    write(&dir, "envelope-fail", Seed::mode(6).raw(fail.as_bytes()));
    write(
        &dir,
        "envelope-success",
        Seed::mode(6).raw(br#"{"resultType":"SUCCESS","success":{"n":1.5e300,"a":[1,-2]}}"#),
    );
    write(&dir, "bearer", Seed::mode(7).raw(b"Bearer TOKEN"));
    write(&dir, "bearer-lowercase", Seed::mode(7).raw(b"bearer  TOKEN\t"));

    // csr: 0 = PEM text, 1 = DER, 2 = rcgen (key byte, common name, SAN).
    let dir = target(&root, "csr");
    for (name, alg) in [
        ("p256", &rcgen::PKCS_ECDSA_P256_SHA256),
        ("p384", &rcgen::PKCS_ECDSA_P384_SHA384),
        ("rsa2048", &rcgen::PKCS_RSA_SHA256),
        ("ed25519", &rcgen::PKCS_ED25519),
    ] {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::new(vec!["evil.example".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "someone-else");
        let csr = params.serialize_request(&key).unwrap();
        write(&dir, &format!("{name}-pem"), Seed::mode(0).raw(csr.pem().unwrap().as_bytes()));
        write(&dir, &format!("{name}-der"), Seed::mode(1).raw(csr.der()));
    }
    write(
        &dir,
        "rcgen-p256",
        Seed::mode(2).raw(&[0]).short_string("someone-else").short_string("evil.example"),
    );
    write(&dir, "rcgen-p384-ip", Seed::mode(2).raw(&[1]).short_string("x").short_string("10.0.0.1"));

    // pem: 0 = PEM text, 1 = DER certificate, 2 = label byte and bytes.
    let dir = target(&root, "pem");
    write(&dir, "ca-pem", Seed::mode(0).raw(ca.cert_pem().as_bytes()));
    let client = ca.issue_client("my-app", &ClientKey::Generate(KeyType::EcdsaP256), now).unwrap();
    let chain = format!("{}{}", client.cert_pem, ca.cert_pem());
    write(&dir, "chain-pem", Seed::mode(0).raw(chain.as_bytes()));
    write(&dir, "public-key-pem", Seed::mode(0).raw(der_to_pem("PUBLIC KEY", &spki).as_bytes()));
    write(&dir, "client-der", Seed::mode(1).raw(&client.cert_der));
    let rsa_client = ca.issue_client("rsa-app", &ClientKey::Generate(KeyType::Rsa2048), now).unwrap();
    write(&dir, "rsa-client-der", Seed::mode(1).raw(&rsa_client.cert_der));
    write(&dir, "bytes", Seed::mode(2).raw(&[0]).raw(&[0x30, 0x03, 0x02, 0x01, 0x01]));

    // cms: 0 = hostile DER, 1 = Unix time and content.
    let dir = target(&root, "cms");
    let signer = ca.issue_user_signing_cert("김토스", "uid-1", now).unwrap();
    let content = json!({"txId": "x", "partnerCode": "my-app", "serviceType": "간편인증"}).to_string();
    let signed = sign_attached(content.as_bytes(), &signer.cert_der, signer.key_der.expose(), now).unwrap();
    write(&dir, "signature", Seed::mode(0).raw(&signed));
    let at = now.unix_timestamp().to_le_bytes();
    write(&dir, "sign-now", Seed::mode(1).raw(&at).raw(content.as_bytes()));
    write(&dir, "sign-2050", Seed::mode(1).raw(&2_524_608_000i64.to_le_bytes()).raw(b"generalized time"));
}

fn target(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, seed: Seed) {
    std::fs::write(dir.join(name), seed.into_bytes()).unwrap();
}
