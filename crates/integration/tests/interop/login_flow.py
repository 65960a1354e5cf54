"""Toss Login as a partner backend written in Python would do it, independent of intoss's Rust
code: requests over mTLS, AES-256-GCM with the `cryptography` package.

usage: login_flow.py BASE_URL CA CERT KEY AUTHORIZATION_CODE DECRYPTION_KEY AAD

Prints one JSON object: the decrypted login-me fields and what each later step answered.
"""

import base64
import json
import sys

import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

base, ca, cert, key, code, dec_key, aad = sys.argv[1:8]
api = base.rstrip("/") + "/api-partner/v1/apps-in-toss/user/oauth2/"
session = requests.Session()
session.verify = ca
# A CA bundle named in the environment (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) would override it.
session.trust_env = False
session.cert = (cert, key)


def decrypt(value):
    if value is None:
        return None
    raw = base64.b64decode(value)
    iv, rest = raw[:12], raw[12:]
    return AESGCM(base64.b64decode(dec_key)).decrypt(iv, rest, aad.encode()).decode("utf-8")


def success(resp):
    body = resp.json()
    assert resp.status_code == 200 and body["resultType"] == "SUCCESS", (resp.status_code, body)
    return body["success"]


out = {}
tokens = success(session.post(api + "generate-token", json={"authorizationCode": code, "referrer": "DEFAULT"}))
out["tokenType"] = tokens["tokenType"]
out["expiresIn"] = tokens["expiresIn"]
out["scope"] = tokens["scope"]

reused = session.post(api + "generate-token", json={"authorizationCode": code, "referrer": "DEFAULT"})
out["reused"] = [reused.status_code, reused.json()]

me = success(session.get(api + "login-me", headers={"Authorization": "Bearer " + tokens["accessToken"]}))
out["userKey"] = me["userKey"]
out["di"] = me["di"]
out["fields"] = {f: decrypt(me[f]) for f in ["name", "phone", "birthday", "ci", "gender", "nationality", "email"]}

fresh = success(session.post(api + "refresh-token", json={"refreshToken": tokens["refreshToken"]}))
old = session.post(api + "refresh-token", json={"refreshToken": tokens["refreshToken"]})
out["oldRefresh"] = [old.status_code, old.json()]

me2 = success(session.get(api + "login-me", headers={"Authorization": "Bearer " + fresh["accessToken"]}))
out["sameUserAfterRefresh"] = me2["userKey"] == me["userKey"]

removed = success(
    session.post(api + "access/remove-by-access-token", headers={"Authorization": "Bearer " + fresh["accessToken"]}, json={})
)
out["removed"] = removed["userKey"]
after = session.get(api + "login-me", headers={"Authorization": "Bearer " + fresh["accessToken"]})
out["afterRemove"] = [after.status_code, after.json()]
print(json.dumps(out, ensure_ascii=False))
