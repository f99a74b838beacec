"""Results: the dashboard on the org home, the responses page, its CSV export, and their numbers.

NPS is checked against a known mix computed by hand; responses come through the REST API
(execute) and the survey page, as in production.
"""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import keys
from host.models import Contact, ExternalLink, IntegrationConnection
from plugins.sequences.delivery import run_due_step
from plugins.sequences.models import Response, Sending, Survey
from plugins.sequences.results import Filters, Scores, summarize
from tenants.models import Membership
from tests.api.conftest import Api
from tests.conftest import PASSWORD, host_of
from tests.sequences.factories import active_sequence


def text(response) -> str:
    return html.unescape(response.content.decode())


def squash(page: str) -> str:
    """The page's text with tags dropped and whitespace collapsed, for phrase checks."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def answer(sequence, score, *, at=None, comment="", source="manual", email=None, opened=True):
    """One answered sending, written directly (for tests about periods and filters)."""
    at = at or timezone.now()
    contact = Contact.objects.create(email=email or f"{uuid.uuid4().hex[:10]}@example.com",
                                     first_name="Ana", last_name="Lopez")
    sending = Sending.objects.create(
        contact=contact, sequence=sequence, source=source, idempotency_key=uuid.uuid4().hex,
        status=Sending.Status.COMPLETED, sent_at=at, opened_at=at if opened else None,
        completed_at=at)
    response = Response.objects.create(sending=sending, survey=sequence.survey, contact=contact,
                                       score=score, comment=comment)
    Response.objects.filter(pk=response.pk).update(answered_at=at)
    return response


@pytest.fixture
def member_client(org_a):
    user = get_user_model().objects.create_user(
        username="viewer@org-a.example", email="viewer@org-a.example", password=PASSWORD)
    Membership.objects.create(user=user, organization=org_a, role=Membership.Role.MEMBER)
    client = Client(HTTP_HOST=host_of(org_a), raise_request_exception=False)
    client.force_login(user)
    return client


# --- The numbers, from responses created through the API ----------------------------------------


def test_dashboard_numbers_match_a_known_mix_answered_through_the_api(client_a, org_a):
    with org_a:
        nps_sequence = active_sequence(name="Post-purchase NPS", steps=(("survey", 0),))
        csat_sequence = active_sequence(name="Support CSAT", steps=(("survey", 0),),
                                        survey=Survey.objects.get(kind="csat"))
    key = keys.create_key(org_a, "results", ["sequences:execute", "responses:read"]).plaintext
    api = Api(host_of(org_a))
    nps_scores = [10, 10, 9, 9, 9, 8, 7, 6, 3, 0]  # 5 promoters, 2 passives, 3 detractors
    csat_scores = [5, 4, 4, 2]  # average 3.75
    tokens = {}
    for sequence, count, tag in ((nps_sequence, len(nps_scores) + 2, "n"),
                                 (csat_sequence, len(csat_scores), "c")):
        body = {"contacts": [{"email": f"{tag}{i}@example.com", "firstName": f"{tag.upper()}{i}"}
                             for i in range(count)]}
        reply = api.post(f"/sequences/{sequence.pk}/execute", key=key, json=body)
        assert reply.status_code == 200, reply.content
        results = reply.json()["data"]["results"]
        assert {r["status"] for r in results} == {"queued"}
        with org_a:
            for r in results:
                assert run_due_step(r["sendingId"]) == "sent"  # the survey email goes out
                tokens[r["email"]] = Sending.objects.get(pk=r["sendingId"]).token
    visitor = Client(HTTP_HOST=host_of(org_a))
    for i, score in enumerate(nps_scores):
        assert visitor.post(f"/s/{tokens[f'n{i}@example.com']}",
                            {"score": str(score), "comment": f"nps {score}"}).status_code == 302
    for i, score in enumerate(csat_scores):
        assert visitor.post(f"/s/{tokens[f'c{i}@example.com']}",
                            {"score": str(score)}).status_code == 302
    visitor.get(f"/s/{tokens['n10@example.com']}")  # opened, not answered; n11 never opened

    # By hand: NPS = 100 * (5 - 3) / 10 = +20; CSAT = 15 / 4 = 3.75 -> 3.8;
    # 16 sent, 15 opened, 14 answered -> 87.5 % -> 88 %.
    assert api.get("/responses", key=key).json()["meta"]["total"] == 14
    page = squash(text(client_a.get("/")))
    assert "NPS +20" in page
    assert "10 NPS answers: 50% promoters (5) − 30% detractors (3)" in page
    assert "CSAT 3.8 / 5" in page and "4 CSAT answers" in page
    assert "Response rate 88% 14 of 16 surveys sent in the period answered" in page
    assert "Sent 16 (100%)" in page and "Opened 15 (94%)" in page
    assert "Answered 14 (88%)" in page
    assert "Detractors 0-6: 3" in page and "Passives 7-8: 2" in page
    assert "Promoters 9-10: 5" in page
    # By source: everything came through the API; by sequence: each its own figures.
    assert "API 16 15 14 88% 20 3.8 14" in page
    assert "Manual queue 0 0 0 0% — — 0" in page
    assert "Post-purchase NPS 12 11 10 83% 20 — 10" in page
    assert "Support CSAT 4 4 4 100% — 3.8 4" in page
    # The latest answers, newest first, with their comment and contact.
    assert page.index("Latest answers") < page.index("nps 0") < page.index("nps 6")
    assert "nps 10" not in page  # the latest eight only: four CSAT, then nps 0, 3, 6, 7
    with org_a:
        n9 = Contact.objects.get(email="n9@example.com")  # answered 0, last
    assert f'href="/contacts/{n9.pk}">N9</a>' in text(client_a.get("/"))


def test_nps_rounds_half_away_from_zero_and_is_empty_without_answers():
    scores = Scores()
    assert scores.nps is None and scores.csat is None
    scores.add("nps", 10, 1)
    scores.add("nps", 8, 7)
    assert scores.nps == 13  # 12.5
    scores = Scores()
    scores.add("nps", 0, 1)
    scores.add("nps", 7, 7)
    assert scores.nps == -13  # -12.5
    scores.add("csat", 5, 1)
    scores.add("csat", 4, 1)
    assert str(scores.csat) == "4.5"


# --- Periods ---------------------------------------------------------------------------------------


def test_a_custom_period_includes_both_its_days_and_nothing_beyond(client_a, org_a):
    utc = UTC
    with org_a:
        sequence = active_sequence()
        answer(sequence, 10, at=datetime(2026, 3, 2, 0, 0, 0, tzinfo=utc))  # first instant
        answer(sequence, 9, at=datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=utc))  # last
        answer(sequence, 0, at=datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=utc))  # before
        answer(sequence, 1, at=datetime(2026, 3, 9, 0, 0, 0, tzinfo=utc))  # after
        summary = summarize(Filters(start=date(2026, 3, 2), end=date(2026, 3, 8)))
    assert summary.scores.nps_total == 2 and summary.scores.nps == 100
    assert [w.week for w in summary.weeks] == [date(2026, 3, 2)]
    page = squash(text(client_a.get("/", {"period": "custom", "start": "2026-03-02",
                                          "end": "2026-03-08"})))
    assert "Results, 2 Mar 2026 – 8 Mar 2026" in page and "NPS +100" in page
    one_day = squash(text(client_a.get("/", {"period": "custom", "start": "2026-03-09",
                                             "end": "2026-03-09"})))
    assert "NPS -100" in one_day and "1 NPS answer:" in one_day


def test_weeks_without_answers_are_in_the_trend_table_and_a_period_spans_its_weeks(org_a):
    utc = UTC
    with org_a:
        sequence = active_sequence()
        answer(sequence, 10, at=datetime(2026, 3, 4, 12, tzinfo=utc))  # a Wednesday
        answer(sequence, 2, at=datetime(2026, 3, 18, 12, tzinfo=utc))
        summary = summarize(Filters(start=date(2026, 3, 4), end=date(2026, 3, 20)))
    assert [(w.week, w.scores.nps) for w in summary.weeks] == [
        (date(2026, 3, 2), 100), (date(2026, 3, 9), None), (date(2026, 3, 16), -100)]


@pytest.mark.parametrize("query, error", [
    ({"period": "custom", "start": "2026-03-09", "end": "2026-03-01"},
     "The end date is before the start date."),
    ({"period": "custom", "start": "2026-03-09"}, "Choose both dates of a custom period."),
    ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"},
     "A period is at most 1098 days."),
    ({"period": "forever"}, "Select a valid choice."),
    ({"period": "custom", "start": "yesterday", "end": "2026-03-01"}, "Enter a valid date."),
    ({"period": "custom", "start": "9999-12-31", "end": "9999-12-31"},
     "Choose a date between 2000 and 2100."),
    ({"period": "custom", "start": "0001-01-01", "end": "0001-01-02"},
     "Choose a date between 2000 and 2100."),
    ({"period": "custom", "start": "2026-03-01\x00", "end": "2026-03-02"}, "Enter a valid date."),
])
def test_a_bad_period_is_a_form_error_and_the_default_period_applies(client_a, query, error):
    response = client_a.get("/", query)
    assert response.status_code == 200
    page = text(response)
    assert error in page and 'role="alert"' in page
    today = timezone.localdate()
    assert f"{today - timedelta(days=89):%-d %b %Y} – {today:%-d %b %Y}" in page
    listing = client_a.get("/responses", query)
    assert listing.status_code == 400 and error in text(listing)


def test_the_presets_end_today(client_a, org_a):
    today = timezone.localdate()
    with org_a:
        sequence = active_sequence()
        answer(sequence, 10, at=timezone.now() - timedelta(days=8))
    week = squash(text(client_a.get("/", {"period": "7"})))
    assert f"{today - timedelta(days=6):%-d %b %Y} – {today:%-d %b %Y}" in week
    assert "No survey was sent or answered in this period." in week
    assert "NPS +100" in squash(text(client_a.get("/", {"period": "30"})))


def test_empty_state(client_a):
    page = squash(text(client_a.get("/")))
    assert "No survey was sent or answered in this period." in page
    assert "No answers in this period yet." in page
    listing = squash(text(client_a.get("/responses")))
    assert "0 responses." in listing and "No responses match these filters." in listing


# --- Responses page and CSV -----------------------------------------------------------------------


@pytest.fixture
def mix(org_a):
    with org_a:
        first = active_sequence(name="Onboarding")
        second = active_sequence(name="R&D follow-up")
        rows = [answer(first, 10, source="manual", comment="Love it"),
                answer(first, 8, source="auto"),
                answer(first, 3, source="api", comment="=HYPERLINK(\"http://evil\")"),
                answer(second, 9, source="api", comment="-2+3"),
                answer(second, 0, source="auto", email="zoe@example.com")]
    return first, second, rows


@pytest.mark.parametrize("query, expected", [
    ({}, {"Love it", "8", "3", "9", "0"}),
    ({"band": "promoter"}, {"Love it", "9"}),
    ({"band": "passive"}, {"8"}),
    ({"band": "detractor"}, {"3", "0"}),
    ({"source": "api"}, {"3", "9"}),
    ({"source": "auto", "band": "detractor"}, {"0"}),
])
def test_responses_page_filters(client_a, mix, query, expected):
    first, second, rows = mix
    response = client_a.get("/responses", query)
    assert response.status_code == 200
    scores = re.findall(r'<span class="score-badge">(\d+)</span>', response.content.decode())
    shown = {("Love it" if s == "10" else s) for s in scores}
    assert shown == expected


def test_responses_page_filters_by_sequence_and_refuses_an_unknown_one(client_a, mix):
    first, second, rows = mix
    page = client_a.get("/responses", {"sequence": str(second.pk)}).content.decode()
    assert re.findall(r'<span class="score-badge">(\d+)</span>', page) == ["0", "9"]
    refused = client_a.get("/responses", {"sequence": str(uuid.uuid4())})
    assert refused.status_code == 400 and "Select a valid choice" in text(refused)


def test_responses_pager_keeps_the_filters_url_encoded(client_a, org_a, monkeypatch):
    from plugins.sequences.views import results

    monkeypatch.setattr(results, "PAGE_SIZE", 2)
    with org_a:
        sequence = active_sequence(name="R&D Zoë")
        for score in (9, 10, 9, 10, 9):
            answer(sequence, score, source="api")
    page = client_a.get("/responses", {"band": "promoter", "source": "api",
                                        "sequence": str(sequence.pk)}).content.decode()
    assert "Page 1 of 3 (5)" in page
    assert f'href="?band=promoter&amp;source=api&amp;sequence={sequence.pk}&amp;page=2"' in page


def read_csv(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_export_is_streamed_filtered_and_safe_in_spreadsheets(client_a, mix):
    first, second, rows = mix
    response = client_a.get("/responses.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="responses-org-a-')
    exported = read_csv(response)
    assert len(exported) == 5
    by_score = {int(r["score"]): r for r in exported}
    assert by_score[3]["comment"] == "'=HYPERLINK(\"http://evil\")"  # not a formula
    assert by_score[9]["comment"] == "'-2+3"
    assert by_score[9]["sequence"] == "R&D follow-up" and by_score[9]["source"] == "API"
    assert by_score[10]["band"] == "promoter" and by_score[10]["comment"] == "Love it"
    assert by_score[0]["contact_email"] == "zoe@example.com"
    assert by_score[0]["source"] == "Automatic (webhook)"
    detractors = read_csv(client_a.get("/responses.csv", {"band": "detractor",
                                                          "sequence": str(first.pk)}))
    assert [r["score"] for r in detractors] == ["3"]
    bad = client_a.get("/responses.csv", {"period": "custom", "start": "x"})
    assert bad.status_code == 400


def test_members_see_results_and_responses_but_cannot_export(member_client, mix):
    assert "NPS" in text(member_client.get("/"))
    listing = text(member_client.get("/responses"))
    assert "Love it" in listing and "Export CSV" not in listing
    assert "Owners and admins can export these responses as CSV." in listing
    refused = member_client.get("/responses.csv")
    assert refused.status_code == 403
    assert "Only owners and admins of Org A can export responses." in text(refused)


def test_owners_get_the_export_link_with_the_filters(client_a, mix):
    page = client_a.get("/responses", {"band": "detractor", "source": "api"}).content.decode()
    assert 'href="/responses.csv?band=detractor&amp;source=api"' in page


# --- Isolation, query count, links ---------------------------------------------------------------


def test_another_orgs_responses_never_count(client_a, org_a, org_b):
    with org_b:
        sequence_b = active_sequence(name="B only")
        for _ in range(3):
            answer(sequence_b, 0, comment="from org B", email=f"b{uuid.uuid4().hex[:6]}@b.example")
    with org_a:
        answer(active_sequence(name="A only"), 10, comment="from org A")
    page = squash(text(client_a.get("/")))
    assert "NPS +100" in page and "1 NPS answer:" in page
    assert "from org B" not in page and "B only" not in page
    listing = text(client_a.get("/responses"))
    assert "from org A" in listing and "from org B" not in listing
    exported = read_csv(client_a.get("/responses.csv"))
    assert [r["comment"] for r in exported] == ["from org A"]
    # org B's sequence id is no choice on org A's page.
    with org_b:
        b_id = str(sequence_b.pk)
    assert client_a.get("/responses", {"sequence": b_id}).status_code == 400


def _dashboard_queries(client) -> int:
    """The page's queries (a ``SET search_path`` depends on what the connection ran before)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return sum(1 for q in queries.captured_queries if not q["sql"].startswith("SET search_path"))


def test_the_dashboard_query_count_does_not_grow_with_responses(client_a, org_a):
    with org_a:
        sequence = active_sequence(name="First")
        answer(sequence, 9)
    small = _dashboard_queries(client_a)
    with org_a:
        sequences = [active_sequence(name=f"More {i}") for i in range(4)]
        linked = []
        for i in range(60):
            response = answer(sequences[i % 4], i % 11, source=("manual", "auto", "api")[i % 3],
                              at=timezone.now() - timedelta(days=i))
            linked.append(ExternalLink(contact=response.contact, provider="salesforce",
                                       external_id=f"003{i:012d}"))
        ExternalLink.objects.bulk_create(linked)
    larger = _dashboard_queries(client_a)
    assert larger == small
    with CaptureQueriesContext(connection) as queries:
        client_a.get("/responses")
    listing = len(queries.captured_queries)
    with org_a:
        for _ in range(30):
            answer(sequences[0], 5)
    with CaptureQueriesContext(connection) as queries:
        client_a.get("/responses", {"page": "2"})
    assert len(queries.captured_queries) == listing


def test_latest_answers_link_the_contact_and_its_crm_record(client_a, org_a):
    with org_a:
        response = answer(active_sequence(), 4, comment="Slow delivery")
        ExternalLink.objects.create(contact=response.contact, provider="salesforce",
                                    external_id="0035w000035gg9GAAQ")
        IntegrationConnection.objects.create(
            provider="salesforce", status=IntegrationConnection.Status.CONNECTED,
            details={"instance_url": "https://acme.my.salesforce.com"})
    page = client_a.get("/").content.decode()
    assert "Slow delivery" in page
    assert (f'<a href="/contacts/{response.contact_id}">Ana Lopez</a> · '
            '<a href="https://acme.my.salesforce.com/lightning/r/Contact/0035w000035gg9GAAQ/view"'
            in page)
    contact_page = client_a.get(f"/contacts/{response.contact_id}").content.decode()
    assert "Salesforce record 0035w000035gg9GAAQ" in contact_page and "Slow delivery" in contact_page
    with org_a:
        IntegrationConnection.objects.filter(provider="salesforce").update(
            status=IntegrationConnection.Status.NOT_CONNECTED)
    assert "lightning/r/Contact" not in client_a.get("/").content.decode()


def test_opening_the_survey_link_counts_once(org_a):
    visitor = Client(HTTP_HOST=host_of(org_a))
    with org_a:
        sequence = active_sequence(steps=(("survey", 0),))
        contact = Contact.objects.create(email="open@example.com")
        sending = Sending.objects.create(contact=contact, sequence=sequence, source="api",
                                         idempotency_key="open-1", status="sent",
                                         sent_at=timezone.now())
    visitor.get(f"/s/{sending.token}")
    with org_a:
        first = Sending.objects.get(pk=sending.pk).opened_at
    assert first is not None
    visitor.get(f"/s/{sending.token}")
    visitor.post(f"/s/{sending.token}", {"score": "7"})
    with org_a:
        again = Sending.objects.get(pk=sending.pk)
    assert again.opened_at == first and again.completed_at >= first


def test_hook_platform_home_panels__the_results_dashboard_is_on_the_org_home(client_a, org_a):
    page = client_a.get("/").content.decode()
    assert '<section class="results" aria-labelledby="results-title">' in page
    assert page.index("results-title") < page.index("Contacts and integrations")
    assert '<link rel="stylesheet" href="/static/sequences/results.css">' in page


def test_the_demo_org_has_answered_surveys_once_and_nothing_due(db):
    from django.core.management import call_command

    from tenants.models import Organization

    call_command("seed_demo")
    call_command("seed_demo")  # every `make run`: idempotent
    org = Organization.objects.get(slug="acme")
    with org:
        answered = Response.objects.count()
        assert 30 <= answered <= 72
        assert Sending.objects.filter(next_run_at__isnull=False).count() == 0  # no demo email
        summary = summarize(Filters(start=timezone.localdate() - timedelta(days=89),
                                    end=timezone.localdate()))
    assert summary.scores.total == answered and summary.scores.nps is not None
    assert summary.scores.csat is not None and summary.funnel.sent == 72
    assert {b.key for b in summary.by_source if b.scores.total} == {"manual", "auto", "api"}
