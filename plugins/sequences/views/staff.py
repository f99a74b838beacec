"""Staff pages of the runtime: sequences, sendings, contacts, sending settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from host.models import Contact
from host.views.auth import org_admin_required
from plugins.sequences.forms import SendingSettingsForm, SequenceForm, StepForm
from plugins.sequences.models import Sending, SendingSettings, Sequence, Step

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def sequence_list(request):
    form = SequenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sequence = form.save()
        messages.success(request, f"Sequence '{sequence.name}' created as a draft; add steps.")
        return redirect("sequences:edit", pk=sequence.pk)
    sequences = Sequence.objects.annotate(
        step_count=Count("steps", distinct=True), sending_count=Count("sendings", distinct=True))
    return render(request, "sequences/sequence_list.html",
                  {"sequences": sequences, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def sequence_edit(request, pk):
    sequence = get_object_or_404(Sequence, pk=pk)
    name_form = SequenceForm(instance=sequence, prefix="seq")
    step_form = StepForm(prefix="step")
    if request.method == "POST" and "seq-name" in request.POST:
        name_form = SequenceForm(request.POST, instance=sequence, prefix="seq")
        if name_form.is_valid():
            name_form.save()
            messages.success(request, "Name saved.")
            return redirect("sequences:edit", pk=pk)
    elif request.method == "POST":
        step_form = StepForm(request.POST, prefix="step")
        if step_form.is_valid():
            with transaction.atomic():
                last = sequence.steps.aggregate(m=Max("position"))["m"] or 0
                step = step_form.save(commit=False)
                step.sequence, step.position = sequence, last + 1
                step.save()
            messages.success(request, f"Step {step.position} added.")
            return redirect("sequences:edit", pk=pk)
    return render(request, "sequences/sequence_edit.html", {
        "sequence": sequence, "steps": sequence.steps.select_related("survey"),
        "name_form": name_form, "step_form": step_form, "statuses": Sequence.Status,
    }, status=400 if (name_form.errors or step_form.errors) else 200)


@login_required
@require_POST
def step_delete(request, pk, step_id):
    sequence = get_object_or_404(Sequence, pk=pk)
    with transaction.atomic():
        step = get_object_or_404(Step, pk=step_id, sequence=sequence)
        if sequence.status == Sequence.Status.ACTIVE and sequence.steps.count() == 1:
            messages.error(request, "An active sequence needs at least one step; pause it first.")
            return redirect("sequences:edit", pk=pk)
        step.delete()
    messages.success(request, "Step removed.")
    return redirect("sequences:edit", pk=pk)


@login_required
@require_POST
def sequence_status(request, pk):
    sequence = get_object_or_404(Sequence, pk=pk)
    status = request.POST.get("status", "")
    if status not in Sequence.Status.values:
        messages.error(request, "Unknown status.")
    else:
        try:
            sequence.set_status(status)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Sequence is now {sequence.get_status_display().lower()}.")
    return redirect("sequences:edit", pk=pk)


@login_required
def sending_list(request):
    status = request.GET.get("status", "")
    sendings = Sending.objects.select_related("contact", "sequence").order_by("-created_at")
    if status in Sending.Status.values:
        sendings = sendings.filter(status=status)
    page = Paginator(sendings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sequences/sending_list.html", {
        "page": page, "status": status, "statuses": Sending.Status.choices})


@login_required
def sending_detail(request, pk):
    sending = get_object_or_404(Sending.objects.select_related("contact", "sequence"), pk=pk)
    return render(request, "sequences/sending_detail.html", {
        "sending": sending, "events": sending.events.all(),
        "response": getattr(sending, "response", None)})


@login_required
def contact_list(request):
    q = request.GET.get("q", "").strip()
    contacts = Contact.objects.order_by("last_name", "first_name", "email")
    if q:
        contacts = contacts.filter(Q(email__icontains=q) | Q(first_name__icontains=q)
                                   | Q(last_name__icontains=q) | Q(company__icontains=q))
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sequences/contact_list.html", {"page": page, "q": q})


@login_required
def contact_detail(request, pk):
    """A contact: details, CRM records, and every sending with its answer."""
    from host.records import record_links

    contact = get_object_or_404(Contact, pk=pk)
    sendings = (Sending.objects.filter(contact=contact)
                .select_related("sequence", "response", "response__survey")
                .order_by("-created_at"))
    return render(request, "sequences/contact_detail.html", {
        "contact": contact, "links": record_links([contact.pk]).get(contact.pk, []),
        "sendings": sendings})


@org_admin_required(does="change the sending settings")
@require_http_methods(["GET", "POST"])
def sending_settings(request):
    form = SendingSettingsForm(request.POST or None, instance=SendingSettings.load())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Sending settings saved.")
        return redirect("sequences:settings")
    return render(request, "sequences/sending_settings.html", {"form": form},
                  status=400 if form.errors else 200)
