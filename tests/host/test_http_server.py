"""The platform over real HTTP: org hosts, unknown hosts, static files."""


def test_org_host_over_http(http_server, committed_org):
    org = committed_org("http")
    host = org.get_primary_domain().domain
    response = http_server.request("GET", host, "/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"
    login = http_server.request("GET", host, "/accounts/login/")
    assert login.status_code == 200 and f"Log in to {org.name}" in login.text
    assert http_server.request("GET", "nobody.localhost", "/").status_code == 404
    css = http_server.request("GET", host, "/static/host/site.css")
    assert css.status_code == 200 and "--accent" in css.text
