"""What the scripts share to talk to a running hub's REST API (bench.py, chaos.py)."""
import json, urllib.error, urllib.request


def request(method, url, body=None, token=None, timeout=120):
    """One JSON request; returns (status, decoded body) and never raises for an HTTP error status."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
