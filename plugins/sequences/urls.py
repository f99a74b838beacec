from django.urls import include, path

from plugins.sequences.views import outbox, results, staff, survey

app_name = "sequences"

staff_patterns = [
    path("sequences", staff.sequence_list, name="list"),
    path("sequences/<uuid:pk>", staff.sequence_edit, name="edit"),
    path("sequences/<uuid:pk>/steps/<int:step_id>/delete", staff.step_delete, name="step-delete"),
    path("sequences/<uuid:pk>/status", staff.sequence_status, name="status"),
    path("sendings", staff.sending_list, name="sendings"),
    path("sendings/<uuid:pk>", staff.sending_detail, name="sending"),
    path("contacts", staff.contact_list, name="contacts"),
    path("contacts/<uuid:pk>", staff.contact_detail, name="contact"),
    path("responses", results.responses_page, name="responses"),
    path("responses.csv", results.responses_csv, name="responses-csv"),
    path("settings/sending", staff.sending_settings, name="settings"),
    path("dev/outbox", outbox.outbox, name="outbox"),
]
survey_patterns = [
    path("s/<str:token>", survey.answer, name="survey"),
    path("s/<str:token>/unsubscribe", survey.unsubscribe_page, name="unsubscribe"),
]
urlpatterns = [path("", include((staff_patterns + survey_patterns, "sequences")))]
