"""Connect, Reconnect, Disconnect, and the login-host choice (issue 5)."""

from plugins.salesforce import login_hosts, oauth
from plugins.salesforce.forms import LoginHostForm

TEMPLATE = "salesforce/sections/connection.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    return {
        "details": conn.details,
        "connected": conn.status == conn.Status.CONNECTED,
        "needs_attention": conn.status == conn.Status.NEEDS_ATTENTION,
        "setup_error": oauth.setup_error(),
        "missing_settings": oauth.missing_settings(),
        "form": LoginHostForm(initial={
            "login_host": conn.settings.get("login_host", login_hosts.PRODUCTION),
            "my_domain": conn.settings.get("my_domain", "").removeprefix("https://"),
        }),
    }
