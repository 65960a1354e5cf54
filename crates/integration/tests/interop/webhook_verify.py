"""Verifies captured intoss deliveries with the standardwebhooks package (an independent
implementation of Standard Webhooks 1.0). argv: the captures (JSON list of {headers, body}) and
one secret; prints one line per capture: the event type, or REFUSED and the reason."""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

captures = json.load(open(sys.argv[1]))
wh = Webhook(sys.argv[2])
for c in captures:
    try:
        event = wh.verify(c["body"].encode(), c["headers"])
        print(event["type"])
    except WebhookVerificationError as e:
        print("REFUSED", e)
