"""Independent client for the Toss identity-verification API (토스 인증 / 본인확인).

Written from the seed docs (section 5-2/5-3) and research/toss-apis.md §1 only.
It runs the whole flow against a server: token, request, status, result (x4),
and the documented error cases.

Exit codes: 0 all checks passed; 1 a check failed (stderr names the step and the body);
2 bad arguments; 3 the official AES-GCM test vector did not round-trip; 4 --expect-json mismatch.
stdout gets only the decrypted person as one JSON line; progress goes to stderr.
`--self-test` checks the crypto helpers offline (test vector + local RSA-4096 round trip).
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import uuid

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$")
PERSON_FIELDS = ("ci", "name", "birthday", "gender", "nationality", "di", "ageGroup")
OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
# Official test vector (toss-cert-examples test_data/aes_test_data, line 1).
TV_ID = "b94ea687-0a72-43f8-be24-7be5029fa998"
TV_KEY = "KxHeNnbiR5Eh5d/9KJCN6jUW5Md9nkk8jU6WbkmR7Es="
TV_IV = "jbZIV4aBzrydN0IP"
TV_PLAIN = "Layton Nicholson"
TV_ENC = "v1$b94ea687-0a72-43f8-be24-7be5029fa998$LCFncFGpJKMBClC5RHa7zabbPzqsKC51USGG1ZwSBPE="


class CheckFailed(Exception):
    pass


def fail(step, msg, body=None):
    detail = f"\n  response body: {body}" if body is not None else ""
    raise CheckFailed(f"[{step}] {msg}{detail}")


# ---------------------------------------------------------------- crypto helpers

def b64(data):
    return base64.b64encode(data).decode("ascii")


class Session:
    """One sessionKey: uuid4 id, AES-256 key, 12-byte GCM IV (reused for every field)."""

    def __init__(self, session_id, key, iv):
        self.id, self.key, self.iv = session_id, key, iv

    @classmethod
    def new(cls):
        return cls(str(uuid.uuid4()), os.urandom(32), os.urandom(12))

    def session_key(self, public_key):
        plain = f"AES_GCM${b64(self.key)}${b64(self.iv)}".encode("utf-8")
        return f"{VERSION}${self.id}${b64(public_key.encrypt(plain, OAEP))}"

    def encrypt(self, text):
        ct = AESGCM(self.key).encrypt(self.iv, text.encode("utf-8"), self.key)  # ciphertext || tag16
        return f"{VERSION}${self.id}${b64(ct)}"

    def decrypt(self, value):
        parts = value.split("$")
        if len(parts) != 3 or parts[0] != VERSION or parts[1] != self.id:
            raise ValueError(f"unexpected prefix in {value!r} (want {VERSION}${self.id}$...)")
        ct = base64.b64decode(parts[2], validate=True)
        return AESGCM(self.key).decrypt(self.iv, ct, self.key).decode("utf-8")


def load_public_key(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" not in data:  # the docs print the key as bare base64 SPKI
        key = serialization.load_der_public_key(base64.b64decode(b"".join(data.split())))
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{path}: not an RSA public key")
    return key


def check_test_vector():
    s = Session(TV_ID, base64.b64decode(TV_KEY), base64.b64decode(TV_IV))
    return s.encrypt(TV_PLAIN) == TV_ENC and s.decrypt(TV_ENC) == TV_PLAIN


def self_test():
    assert check_test_vector(), "official AES-GCM test vector did not round-trip"
    private = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    s = Session.new()
    version, sid, blob = s.session_key(private.public_key()).split("$")
    assert (version, sid) == (VERSION, s.id), "sessionKey prefix"
    rsa_ct = base64.b64decode(blob, validate=True)
    assert len(rsa_ct) == 512, f"RSA block is {len(rsa_ct)} bytes, want 512"
    algo, key_b64, iv_b64 = private.decrypt(rsa_ct, OAEP).decode("utf-8").split("$")
    assert algo == "AES_GCM", algo
    assert base64.b64decode(key_b64) == s.key and base64.b64decode(iv_b64) == s.iv, "key/iv mismatch"
    # What the server would do: rebuild the session from the decrypted key and decrypt our field.
    server = Session(sid, base64.b64decode(key_b64), base64.b64decode(iv_b64))
    assert server.decrypt(s.encrypt("김토스")) == "김토스", "field round trip"
    try:
        Session.new().decrypt(s.encrypt("x"))
        raise AssertionError("decrypt accepted another session's value")
    except ValueError:
        pass
    print("self-test OK", file=sys.stderr)


# ---------------------------------------------------------------- HTTP

class Api:
    def __init__(self, args, token):
        self.args, self.token = args, token
        family = "/api/v2/sign/user/auth/id" if args.paths == "id" else "/api/v2/sign/user/auth"
        self.base = args.api_base.rstrip("/") + family

    def post(self, step, action, body, token=None):
        url = f"{self.base}/{action}"
        headers = {"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"}
        try:
            r = requests.post(url, json=body, headers=headers, verify=self.args.ca, timeout=30)
        except requests.RequestException as e:
            fail(step, f"POST {url} failed: {e}")
        try:
            data = r.json()
        except ValueError:
            fail(step, f"POST {url}: HTTP {r.status_code}, body is not JSON", r.text)
        if not isinstance(data, dict):
            fail(step, f"POST {url}: body is not a JSON object", r.text)
        return data, r.text

    def success(self, step, action, body):
        data, text = self.post(step, action, body)
        if data.get("resultType") != "SUCCESS" or not isinstance(data.get("success"), dict):
            fail(step, "expected resultType SUCCESS with a success object", text)
        return data["success"], text

    def failure(self, step, action, body, code=None, token=None):
        data, text = self.post(step, action, body, token)
        err = data.get("error")
        if data.get("resultType") != "FAIL" or not isinstance(err, dict):
            fail(step, "expected resultType FAIL with an error object", text)
        got = err.get("errorCode")
        if code is not None and got != code:
            fail(step, f"expected errorCode {code}, got {got!r}", text)
        if code is None and not (isinstance(got, str) and re.fullmatch(r"CE\d{4}", got)):
            fail(step, f"expected a CEnnnn errorCode, got {got!r}", text)
        return got


# ---------------------------------------------------------------- steps

def get_token(args):
    step = "1 token"
    form = {"grant_type": "client_credentials", "scope": "ca",
            "client_id": args.client_id, "client_secret": args.client_secret}
    try:
        r = requests.post(args.token_url, data=form, verify=args.ca, timeout=30)
    except requests.RequestException as e:
        fail(step, f"POST {args.token_url} failed: {e}")
    try:
        data = r.json()
    except ValueError:
        fail(step, f"HTTP {r.status_code}, body is not JSON", r.text)
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str) or not data["access_token"]:
        fail(step, "no access_token", r.text)
    if data.get("token_type") != "Bearer":
        fail(step, "token_type is not 'Bearer'", r.text)
    if data.get("scope") != "ca":
        fail(step, "scope is not 'ca'", r.text)
    if type(data.get("expires_in")) is not int:
        fail(step, "expires_in is not an integer", r.text)
    return data["access_token"]


def request_body(args, public_key):
    body = {"requestType": args.request_type, "requestUrl": "intoss://my-granite-app"}
    if args.request_type == "USER_PERSONAL":
        s = Session.new()
        body.update(triggerType="APP_SCHEME", userName=s.encrypt(args.name), userPhone=s.encrypt(args.phone),
                    userBirthday=s.encrypt(args.birthday), sessionKey=s.session_key(public_key))
    return body


def start_request(api, public_key):
    step = "3 request"
    ok, text = api.success(step, "request", request_body(api.args, public_key))
    if not isinstance(ok.get("txId"), str) or not ok["txId"]:
        fail(step, "txId missing", text)
    if not DT_RE.match(str(ok.get("requestedDt"))):
        fail(step, "requestedDt is not YYYY-MM-DDThh:mm:ss+09:00", text)
    if api.args.request_type == "USER_PERSONAL":
        for k in ("appScheme", "androidAppUri", "iosAppUri"):
            if not isinstance(ok.get(k), str) or not ok[k]:
                fail(step, f"{k} missing for USER_PERSONAL", text)
    return ok["txId"], ok["requestedDt"]


def expect_status(api, step, tx_id, want, requested_dt):
    ok, text = api.success(step, "status", {"txId": tx_id})
    if ok.get("txId") != tx_id:
        fail(step, "status echoes another txId", text)
    if ok.get("status") != want:
        fail(step, f"status is {ok.get('status')!r}, want {want}", text)
    if ok.get("requestedDt") != requested_dt:
        fail(step, f"requestedDt differs from the request's {requested_dt}", text)


def simulate_user(args, tx_id):
    cmd = args.simulate_cmd.replace("{txId}", tx_id)
    print(f"[6 simulate] {cmd}", file=sys.stderr)
    try:  # keep our stdout for the final JSON line
        subprocess.run(cmd, shell=True, check=True, stdout=sys.stderr)
    except subprocess.CalledProcessError as e:
        fail("6 simulate", f"simulate command exited {e.returncode}")


def fetch_result(api, step, tx_id, session, public_key, requested_dt):
    ok, text = api.success(step, "result", {"txId": tx_id, "sessionKey": session.session_key(public_key)})
    if ok.get("txId") != tx_id or ok.get("status") != "COMPLETED":
        fail(step, "result must echo txId with status COMPLETED", text)
    for k in ("completedDt", "requestedDt"):
        if not DT_RE.match(str(ok.get(k))):
            fail(step, f"{k} is not YYYY-MM-DDThh:mm:ss+09:00", text)
    if ok["requestedDt"] != requested_dt:
        fail(step, f"requestedDt differs from the request's {requested_dt}", text)
    sig = ok.get("signature")
    try:
        der = base64.b64decode(sig, validate=True) if isinstance(sig, str) and sig else b""
    except ValueError:
        der = b""
    if not der or der[0] != 0x30:
        fail(step, "signature is not non-empty base64 DER (first byte 0x30)", text)
    pd = ok.get("personalData")
    if not isinstance(pd, dict):
        fail(step, "personalData missing", text)
    for k in ("ci2", "ciUpdate"):
        if k not in pd or pd[k] is not None:
            fail(step, f"personalData.{k} must be present and null", text)
    person = {}
    for k in PERSON_FIELDS:
        try:
            person[k] = session.decrypt(pd[k])
        except Exception as e:  # missing, wrong prefix, bad base64, bad tag
            fail(step, f"cannot decrypt personalData.{k}: {e!r}", text)
    return person


def run(args):
    if not check_test_vector():
        print("[2 session] official AES-GCM test vector did not round-trip", file=sys.stderr)
        return 3
    try:
        public_key = load_public_key(args.public_key)
    except (OSError, ValueError) as e:
        fail("2 session", f"cannot load the RSA public key: {e}")
    api = Api(args, get_token(args))
    tx_id, requested_dt = start_request(api, public_key)
    print(f"[3 request] txId={tx_id}", file=sys.stderr)
    expect_status(api, "4 status", tx_id, "REQUESTED", requested_dt)
    api.failure("5 result-early", "result", {"txId": tx_id, "sessionKey": Session.new().session_key(public_key)},
                code="CE3102")
    simulate_user(args, tx_id)
    expect_status(api, "7 status", tx_id, "COMPLETED", requested_dt)
    first_session = Session.new()
    person = fetch_result(api, "8 result", tx_id, first_session, public_key, requested_dt)
    again = fetch_result(api, "9 result-again", tx_id, Session.new(), public_key, requested_dt)
    if again != person:
        fail("9 result-again", f"second result decrypts to {again}, first was {person}")
    code = api.failure("10 result-third", "result", {"txId": tx_id, "sessionKey": Session.new().session_key(public_key)})
    print(f"[10 result-third] FAIL {code}", file=sys.stderr)
    code = api.failure("11 result-reused-session", "result",
                       {"txId": tx_id, "sessionKey": first_session.session_key(public_key)})
    print(f"[11 result-reused-session] FAIL {code}", file=sys.stderr)
    api.failure("12 status-unknown", "status", {"txId": str(uuid.uuid4())}, code="CE3100")
    api.failure("12 bad-token", "request", request_body(args, public_key), code="CE1000", token="nope")
    print(json.dumps({k: person[k] for k in ("name", "birthday", "gender", "nationality", "ci", "di", "ageGroup")},
                     ensure_ascii=False))
    if args.expect_json is not None:
        diff = {k: (person.get(k), v) for k, v in args.expect_json.items() if person.get(k) != v}
        if diff:
            print(f"--expect-json mismatch (got, want): {diff}", file=sys.stderr)
            return 4
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--self-test", action="store_true", help="test the crypto helpers offline and exit")
    for name in ("token-url", "api-base", "client-id", "client-secret", "public-key", "ca", "simulate-cmd"):
        p.add_argument(f"--{name}")
    p.add_argument("--request-type", choices=("USER_PERSONAL", "USER_NONE"), default="USER_PERSONAL")
    p.add_argument("--paths", choices=("id", "plain"), default="id",
                   help="id: /api/v2/sign/user/auth/id/{request,status,result}; plain: /api/v2/sign/user/auth/...")
    p.add_argument("--name", default="김토스")
    p.add_argument("--phone", default="01012345678")
    p.add_argument("--birthday", default="19930324")
    p.add_argument("--expect-json", type=json.loads, help="JSON object; its keys are compared with the person")
    args = p.parse_args(argv)
    if not args.self_test:
        missing = [n for n in ("token_url", "api_base", "client_id", "client_secret", "public_key", "ca",
                               "simulate_cmd") if getattr(args, n) is None]
        if missing:
            p.error("missing: " + ", ".join("--" + n.replace("_", "-") for n in missing))
        if args.expect_json is not None and not isinstance(args.expect_json, dict):
            p.error("--expect-json must be a JSON object")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.self_test:
        try:
            self_test()
        except AssertionError as e:
            print(f"self-test FAILED: {e}", file=sys.stderr)
            return 1
        return 0
    try:
        return run(args)
    except CheckFailed as e:
        print(f"FAILED {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
