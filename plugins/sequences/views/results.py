"""Results pages: the dashboard panel on the org home, the responses page and its CSV export.

Who sees what: every member of the organization sees the dashboard and the responses page (as
they see Sendings and Contacts); the CSV export, a bulk copy of contacts' answers and emails, is
for owners and admins, like API keys (README "Results").
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from host.contracts import HomePanel
from host.records import record_links
from host.views.auth import ADMIN_ROLES, org_admin_required, org_member_required
from plugins.sequences import charts
from plugins.sequences.forms import PeriodForm, ResponseFilterForm
from plugins.sequences.models import Sending
from plugins.sequences.results import BAND_LABELS, band_of, latest, responses, summarize

PAGE_SIZE = 50
CSV_CHUNK = 2000
LATEST = 8


def home_panel(request) -> HomePanel:
    """The dashboard on the org home, for the chosen period (``?period=`` / ``start``/``end``)."""
    form = PeriodForm(request.GET)
    filters = form.filters()
    summary = summarize(filters)
    answers = latest(filters, LATEST)
    period_query = period_params(filters)
    for row in summary.by_source:
        row.query = urlencode({**period_query, "source": row.key})
    for row in summary.by_sequence:
        row.query = urlencode({**period_query, "sequence": row.key})
    return HomePanel("sequences/results_panel.html", {
        "form": form, "summary": summary, "scores": summary.scores,
        "distribution": charts.distribution(summary.scores),
        "stacked": charts.stacked(summary.scores), "trend": charts.trend(summary.weeks),
        "answers": with_links(answers), "period_query": urlencode(period_query),
    })


def period_params(filters) -> dict[str, str]:
    return {"period": "custom", "start": filters.start.isoformat(), "end": filters.end.isoformat()}


def with_links(answers) -> list[dict]:
    """Each response with its NPS band and its contact's CRM record links (two queries)."""
    links = record_links({r.contact_id for r in answers})
    return [{"response": r, "band": BAND_LABELS.get(band_of(r.survey.kind, r.score), ""),
             "band_key": band_of(r.survey.kind, r.score), "links": links.get(r.contact_id, [])}
            for r in answers]


@require_GET
@org_member_required
def responses_page(request):
    form = ResponseFilterForm(request.GET)
    filters = form.filters()
    qs = responses(filters).select_related("contact", "survey", "sending__sequence")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page"}
    return render(request, "sequences/responses.html", {
        "form": form, "filters": filters, "page": page, "rows": with_links(list(page)),
        "can_export": request.org_role in ADMIN_ROLES, "export_query": urlencode(query),
    }, status=400 if form.errors else 200)


# --- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = ["answered_at", "survey", "score", "band", "comment", "contact_email",
               "contact_first_name", "contact_last_name", "sequence", "source", "reference",
               "contact_id", "response_id"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(filters):
    """The header, then the responses, read from a server-side cursor in chunks and sent as one
    piece of text per chunk (a piece per row costs more than writing it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # the BOM: spreadsheets read UTF-8 accents
    writer.writerow(CSV_COLUMNS)
    sources = dict(Sending.Source.choices)
    rows = (responses(filters).values_list(
        "answered_at", "survey__kind", "score", "comment", "contact__email",
        "contact__first_name", "contact__last_name", "sending__sequence__name",
        "sending__source", "sending__reference", "contact_id", "id")
        .iterator(chunk_size=CSV_CHUNK))
    for count, (answered_at, kind, score, comment, email, first, last, sequence, source,
                reference, contact_id, response_id) in enumerate(rows, start=1):
        writer.writerow([
            answered_at.isoformat(timespec="seconds"), kind, score,
            band_of(kind, score), *map(safe_cell, (comment, email, first, last, sequence)),
            sources.get(source, source), safe_cell(reference), contact_id, response_id])
        if count % CSV_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@require_GET
@org_admin_required(does="export responses")
def responses_csv(request):
    form = ResponseFilterForm(request.GET)
    if form.errors:
        return render(request, "sequences/responses.html", {
            "form": form, "filters": form.filters(), "page": None, "rows": [],
            "can_export": True, "export_query": ""}, status=400)
    filters = form.filters()
    response = StreamingHttpResponse(csv_rows(filters), content_type="text/csv; charset=utf-8")
    name = f"responses-{request.tenant.slug}-{filters.start}-{filters.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
