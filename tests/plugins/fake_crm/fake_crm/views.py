from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse


def public_whoami(request):
    return JsonResponse({"schema": connection.schema_name})


whoami = login_required(public_whoami)


# --- Score pushback: the host's sections on a page of FakeCRM's own ----------------------------

PUSHBACK_PAGE = """{% extends "base.html" %}{% block content %}<h1>FakeCRM pushback</h1>
{% for section in sections %}{% include section %}{% endfor %}{% endblock %}"""


def render_page(request, conn, status=200, **extra):
    from django.http import HttpResponse
    from django.template import engines

    context = {"connection": conn, "sections": [s.TEMPLATE for s in SECTIONS]}
    for section in SECTIONS:
        context.update(section.context(request, conn))
    context.update(extra)
    page = engines["django"].from_string(PUSHBACK_PAGE).render(context, request)
    return HttpResponse(page, status=status)


def pushback_page(request):
    from host.integrations import get_connection
    from host.views.auth import org_admin_required

    return org_admin_required(lambda r: render_page(r, get_connection("fake_crm")))(request)


def _sections():
    from host.sections.field_mapping import FieldMappingSection
    from host.sections.pushback_log import PushbackLogSection

    return [FieldMappingSection("fake_crm", render_page, ids="fc"),
            PushbackLogSection("fake_crm", ids="fc")]


SECTIONS = _sections()
