"""Re-signs S3 requests with botocore (Debian python3-botocore) to verify a client's SigV4 signature.

Reads one JSON object per line on stdin: {method, url, headers (lower-case names), access_key, secret,
region}. Writes one JSON object per line: {ok, reason, canonical_request}. Used by the test-side S3
proxy in sigv4-proxy.ts, so that the client's signing library (aws4fetch) is checked by an
independent implementation.
"""
import json
import re
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def check(req):
    auth = req["headers"].get("authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$", auth)
    if not m:
        return {"ok": False, "reason": "AuthorizationHeaderMalformed"}
    akid, day, region, service, signed, provided = m.groups()
    if akid != req["access_key"]:
        return {"ok": False, "reason": "InvalidAccessKeyId"}
    if region != req["region"] or service != "s3":
        return {"ok": False, "reason": "AuthorizationHeaderMalformed"}
    amz_date = req["headers"].get("x-amz-date", "")
    if not amz_date.startswith(day):
        return {"ok": False, "reason": "AuthorizationHeaderMalformed"}
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return {"ok": False, "reason": "AccessDenied"}
    headers = {n: req["headers"][n] for n in names if n in req["headers"]}
    if len(headers) != len(names):
        return {"ok": False, "reason": "AccessDenied"}
    r = AWSRequest(method=req["method"], url=req["url"], headers=headers)
    r.context["timestamp"] = amz_date
    token = req["headers"].get("x-amz-security-token")
    signer = S3SigV4Auth(Credentials(akid, req["secret"], token), "s3", req["region"])
    canonical = signer.canonical_request(r)
    string_to_sign = signer.string_to_sign(r, canonical)
    expected = signer.signature(string_to_sign, r)
    return {"ok": expected == provided, "reason": "" if expected == provided else "SignatureDoesNotMatch", "canonical_request": canonical}


for line in sys.stdin:
    try:
        out = check(json.loads(line))
    except Exception as e:  # report, never die
        out = {"ok": False, "reason": "InternalError: %r" % (e,)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
