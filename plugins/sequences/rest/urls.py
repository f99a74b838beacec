"""``/api/v1/sequences`` and ``/api/v1/responses``; the URL names are the API's (``api-*``)."""

from django.urls import path

from plugins.sequences.rest import responses, sequences

urlpatterns = [
    path("sequences", sequences.SequenceListView.as_view(), name="api-sequences"),
    path("sequences/<uuid:sequence_id>", sequences.SequenceDetailView.as_view(),
         name="api-sequence"),
    path("sequences/<uuid:sequence_id>/execute", sequences.SequenceExecuteView.as_view(),
         name="api-sequence-execute"),
    path("responses", responses.ResponseListView.as_view(), name="api-responses"),
    path("responses/<uuid:response_id>", responses.ResponseDetailView.as_view(),
         name="api-response"),
]
