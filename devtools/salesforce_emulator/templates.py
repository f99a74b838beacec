"""HTML for the consent and OAuth error pages (kept as plain strings, no template engine)."""

from html import escape

_STYLE = """body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;border-radius:.5rem;padding:2rem;
box-shadow:0 1px 4px #0002}h1{font-size:1.4rem;margin-top:0}ul{padding-left:1.2rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}button{font-size:1rem;padding:.5rem 1.5rem;
border-radius:.3rem;border:1px solid #0176d3;cursor:pointer}
button.allow{background:#0176d3;color:#fff}button.deny{background:#fff;color:#0176d3}
.muted{color:#555;font-size:.9rem}"""

SCOPE_LABELS = {
    "api": "Access and manage your data (api)",
    "refresh_token": "Perform requests at any time (refresh_token, offline_access)",
    "offline_access": "Perform requests at any time (refresh_token, offline_access)",
    "id": "Access your basic information (id)",
}


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main>"
            "</body></html>")


def consent_page(app_name: str, username: str, scopes: list[str], request_id: str) -> str:
    items = "".join(f"<li>{escape(SCOPE_LABELS.get(s, s))}</li>"
                    for s in dict.fromkeys(scopes))
    body = (f"<h1>Allow access?</h1><p><strong>{escape(app_name)}</strong> is asking to:</p>"
            f"<ul>{items}</ul><p class=\"muted\">Signed in as {escape(username)} "
            "(Salesforce emulator)</p>"
            "<form method=\"post\" action=\"/services/oauth2/authorize\">"
            f"<input type=\"hidden\" name=\"request_id\" value=\"{escape(request_id)}\">"
            "<div class=\"actions\">"
            '<button class="allow" type="submit" name="decision" value="allow">Allow</button>'
            '<button class="deny" type="submit" name="decision" value="deny">Deny</button>'
            "</div></form>")
    return _page("Allow access?", body)


def error_page(error: str, description: str) -> str:
    body = (f"<h1>OAuth error</h1><p><code>error={escape(error)}</code></p>"
            f"<p>{escape(description)}</p><p class=\"muted\">The emulator did not redirect "
            "because the client or redirect URI could not be trusted.</p>")
    return _page("OAuth error", body)
