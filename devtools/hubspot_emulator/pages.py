"""HTML of the consent page and the pages that do not redirect (plain strings, no templates)."""

from html import escape

_STYLE = """body{font-family:system-ui,sans-serif;background:#f5f8fa;margin:0;color:#33475b}
main{max-width:28rem;margin:4rem auto;background:#fff;border-radius:.5rem;padding:2rem;
box-shadow:0 1px 4px #0002}h1{font-size:1.4rem;margin-top:0}ul{padding-left:1.2rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}button{font-size:1rem;padding:.5rem 1.5rem;
border-radius:.3rem;border:1px solid #ff7a59;cursor:pointer}
button.allow{background:#ff7a59;color:#fff}button.deny{background:#fff;color:#ff7a59}
.muted{color:#516f90;font-size:.9rem}"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main>"
            "</body></html>")


def consent_page(app_name: str, email: str, hub_id: int, domain: str, scopes: list[str],
                 request_id: str) -> str:
    items = "".join(f"<li><code>{escape(s)}</code></li>" for s in dict.fromkeys(scopes))
    body = (f"<h1>Connect {escape(app_name)}</h1>"
            f"<p>Choose an account: <strong>{escape(domain)}</strong> ({hub_id})</p>"
            f"<p>The app is requesting access to:</p><ul>{items}</ul>"
            f"<p class=\"muted\">Signed in as {escape(email)} (HubSpot emulator)</p>"
            "<form method=\"post\" action=\"/oauth/authorize\">"
            f"<input type=\"hidden\" name=\"request_id\" value=\"{escape(request_id)}\">"
            "<div class=\"actions\">"
            '<button class="allow" type="submit" name="decision" value="allow">Connect app'
            "</button>"
            '<button class="deny" type="submit" name="decision" value="deny">Cancel</button>'
            "</div></form>")
    return _page("Connect app", body)


def error_page(title: str, description: str) -> str:
    body = (f"<h1>{escape(title)}</h1><p>{escape(description)}</p>"
            "<p class=\"muted\">HubSpot emulator: the install was not started, so nothing was "
            "sent back to the app.</p>")
    return _page(title, body)


def cancelled_page(app_name: str) -> str:
    """HubSpot sends no request when the user does not grant access [reference §1.3]."""
    body = (f"<h1>Install cancelled</h1><p>{escape(app_name)} was not connected.</p>"
            "<p class=\"muted\">HubSpot does not redirect back to the app in this case.</p>")
    return _page("Install cancelled", body)
