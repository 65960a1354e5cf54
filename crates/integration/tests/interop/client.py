"""The seed's Python example (requests, cert=(cert, key)), pointed at intoss.

Usage: client.py URL CA_PEM [CERT_PEM KEY_PEM]
Prints the response body; exits 0 on HTTP 200, 1 on another status, 2 on a connection error.
"""
import sys

import requests


def main():
    url, ca = sys.argv[1], sys.argv[2]
    cert = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else None
    try:
        response = requests.get(url, cert=cert, verify=ca, headers={"Content-Type": "application/json"}, timeout=10)
    except requests.exceptions.RequestException as e:
        print(f"connection error: {e}", file=sys.stderr)
        return 2
    print(response.text)
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
