"""REST API v1. Mounted at /api/v1/ on the public host and on every org host."""

from django.urls import path, re_path

from api.views import contacts, docs, responses, sequences

urlpatterns = [
    path("contacts", contacts.ContactListView.as_view(), name="api-contacts"),
    path("contacts/<uuid:contact_id>", contacts.ContactDetailView.as_view(), name="api-contact"),
    path("sequences", sequences.SequenceListView.as_view(), name="api-sequences"),
    path("sequences/<uuid:sequence_id>", sequences.SequenceDetailView.as_view(),
         name="api-sequence"),
    path("sequences/<uuid:sequence_id>/execute", sequences.SequenceExecuteView.as_view(),
         name="api-sequence-execute"),
    path("responses", responses.ResponseListView.as_view(), name="api-responses"),
    path("responses/<uuid:response_id>", responses.ResponseDetailView.as_view(),
         name="api-response"),
    path("schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", docs.docs_page, name="api-docs"),
    # Anything else is a JSON 404, except integrations/ (plugins mount their webhooks there, after
    # this include in the host's URLconf).
    re_path(r"^(?!integrations/).*$", docs.NotFoundView.as_view(), name="api-not-found"),
]
