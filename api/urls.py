"""REST API v1. Mounted at /api/v1/ on the public host and on every org host.

The framework's own endpoints (contacts, the schema and its docs page), then the plugins'
(``platform_api_urls``: the sequences runtime's sequences and responses), then the JSON 404.
"""

from django.urls import path, re_path

from api.views import contacts, docs
from host.plugin_urls import contributed_api

urlpatterns = [
    path("contacts", contacts.ContactListView.as_view(), name="api-contacts"),
    path("contacts/<uuid:contact_id>", contacts.ContactDetailView.as_view(), name="api-contact"),
    *contributed_api(),
    path("schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", docs.docs_page, name="api-docs"),
    # Anything else is a JSON 404, except integrations/ (plugins mount their webhooks there, after
    # this include in the host's URLconf).
    re_path(r"^(?!integrations/).*$", docs.NotFoundView.as_view(), name="api-not-found"),
]
