"""Several Salesforce orgs behind one emulator address (``POST /__emulator__/orgs``)."""

from urllib.parse import parse_qs, urlsplit

import requests

from devtools.salesforce_emulator import start_emulator
from tests.salesforce_emulator.conftest import CHALLENGE, CLIENT_ID, REDIRECT, SECRET, VERIFIER, V


def sign_in(base: str, org: str | None) -> dict:
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
              "scope": "api refresh_token", "state": "s", "code_challenge": CHALLENGE,
              "code_challenge_method": "S256", **({"emulator_org": org} if org else {})}
    location = requests.get(base + "/services/oauth2/authorize", params=params,
                            allow_redirects=False, timeout=5).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    return requests.post(base + "/services/oauth2/token", timeout=5, data={
        "grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID,
        "client_secret": SECRET, "redirect_uri": REDIRECT, "code_verifier": VERIFIER}).json()


def contacts(base: str, token: str) -> list[str]:
    response = requests.get(base + V + "/query", params={"q": "SELECT Email FROM Contact"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200, response.text
    return sorted(r["Email"] for r in response.json()["records"])


def test_each_org_has_its_own_records_tokens_and_write_counts():
    handle = start_emulator(port=0, auto_approve=True)
    base = handle.base_url
    try:
        first, second = (requests.post(base + "/__emulator__/orgs", json={}, timeout=5).json()
                         ["org_id"] for _ in range(2))
        assert first != second and first.startswith("00D") and len(first) == 18
        for org, address in ((first, "one@first.example"), (second, "two@second.example")):
            requests.post(base + "/__emulator__/records/Contact", timeout=5,
                          json={"LastName": "X", "Email": address},
                          headers={"X-Emulator-Org": org}).raise_for_status()

        token_one, token_two = sign_in(base, first), sign_in(base, second)
        assert token_one["id"].split("/")[-2] == first  # the identity URL names the org
        assert token_two["id"].split("/")[-2] == second
        assert contacts(base, token_one["access_token"]) == ["one@first.example"]
        assert contacts(base, token_two["access_token"]) == ["two@second.example"]
        default = sign_in(base, None)  # no org named: the default org, unchanged
        assert default["id"].split("/")[-2] == handle.state.config.org_id
        assert "one@first.example" not in contacts(base, default["access_token"])

        # A refresh token finds its own org; so does the identity URL.
        refreshed = requests.post(base + "/services/oauth2/token", timeout=5, data={
            "grant_type": "refresh_token", "refresh_token": token_two["refresh_token"],
            "client_id": CLIENT_ID, "client_secret": SECRET}).json()
        assert contacts(base, refreshed["access_token"]) == ["two@second.example"]
        identity = requests.get(token_two["id"], timeout=5, headers={
            "Authorization": f"Bearer {refreshed['access_token']}"})
        assert identity.status_code == 200 and identity.json()["organization_id"] == second

        # Writes through the API are counted per record, per org.
        rid = requests.get(base + V + "/query", params={"q": "SELECT Id FROM Contact"},
                           headers={"Authorization": f"Bearer {token_one['access_token']}"},
                           timeout=5).json()["records"][0]["Id"]
        for _ in range(2):
            assert requests.patch(
                f"{base}{V}/sobjects/Contact/{rid}", json={"NPS_Score__c": 9}, timeout=5,
                headers={"Authorization": f"Bearer {token_one['access_token']}"}
            ).status_code == 204
        one = requests.get(base + "/__emulator__/writes", params={"ids": rid}, timeout=5,
                           headers={"X-Emulator-Org": first}).json()
        two = requests.get(base + "/__emulator__/writes", timeout=5,
                           headers={"X-Emulator-Org": second}).json()
        assert one == {"records": 1, "total": 2, "max_per_record": 2, "counts": {rid: 2}}
        assert two["total"] == 0
    finally:
        handle.stop()
