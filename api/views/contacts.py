"""``/contacts``: list (paged, filtered), create, get, update, delete."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from rest_framework.response import Response

from api import errors, examples, pagination
from api.idempotency import idempotent
from api.schema import IDEMPOTENCY_KEY, operation, path_id
from api.serializers.contacts import (
    ContactCreateSerializer,
    ContactListQuerySerializer,
    ContactSerializer,
    ContactUpdateSerializer,
)
from api.views.base import ApiView, ok
from host.models import Contact

TAGS = ["Contacts"]
CONTACT_ID = path_id("contact_id", "contact")
WRITE_ERRORS = (*errors.COMMON_ERRORS, 409)


class ContactListView(ApiView):
    required_scopes = {"GET": "contacts:read", "POST": "contacts:write"}

    @operation("listContacts", "contacts:read", "List contacts",
               description="Newest first, `limit` per page (1-100, default 50). `email` and "
                           "`phone` filter by exact value, `search` matches first name, last name "
                           "or email.",
               ok=ContactSerializer, many=True, tags=TAGS, parameters=[ContactListQuerySerializer],
               examples=[*examples.LIST_CONTACTS, examples.VALIDATION_LIST])
    def get(self, request):
        params = pagination.query(request, ContactListQuerySerializer)
        contacts = Contact.objects.order_by("-created_at", "id")
        if "email" in params:
            contacts = contacts.filter(email__iexact=params["email"].strip())
        if "phone" in params:
            contacts = contacts.filter(phone=params["phone"].strip())
        if params.get("search"):
            term = params["search"].strip()
            contacts = contacts.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term)
                                       | Q(email__icontains=term))
        if "location_id" in params:
            contacts = contacts.filter(location_id=params["location_id"])
        items, meta = pagination.paginate(contacts, params["page"], params["limit"])
        return ok(ContactSerializer(items, many=True).data, meta=meta)

    @operation("createContact", "contacts:write", "Create a contact",
               description="`email` (normalized: trimmed, lower-case) and `firstName` are "
                           "required. An email already used by a contact is 409 `CONFLICT` with "
                           "`details.contactId`.",
               ok=ContactSerializer, status=201,
               request=ContactCreateSerializer, tags=TAGS, parameters=[IDEMPOTENCY_KEY],
               errors=(*WRITE_ERRORS, 422),
               examples=[*examples.CREATE_CONTACT, examples.VALIDATION_BODY])
    def post(self, request):
        return idempotent(request, self.org, self._create)

    def _create(self, request):
        serializer = ContactCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _model_values(serializer.validated_data)
        existing = Contact.objects.filter(email=values["email"]).values_list("pk", flat=True).first()
        if existing:
            raise _duplicate(values["email"], existing)
        try:
            with transaction.atomic():
                contact = Contact.objects.create(**values)
        except IntegrityError:
            raise _duplicate(values["email"], None) from None
        return ok(ContactSerializer(contact).data, status=201)


class ContactDetailView(ApiView):
    required_scopes = {"GET": "contacts:read", "PATCH": "contacts:write", "DELETE": "contacts:write"}

    @operation("getContact", "contacts:read", "Get a contact",
               ok=ContactSerializer, tags=TAGS, parameters=[CONTACT_ID],
               examples=examples.GET_CONTACT, not_found="Contact not found")
    def get(self, request, contact_id):
        return ok(ContactSerializer(_get(contact_id)).data)

    @operation("updateContact", "contacts:write", "Update a contact",
               description="Every field is optional; send only what changes. `customFields` "
                           "merges with the stored fields, `tags` replaces the list.",
               ok=ContactSerializer, request=ContactUpdateSerializer, tags=TAGS,
               parameters=[CONTACT_ID], errors=WRITE_ERRORS,
               examples=[*examples.UPDATE_CONTACT, examples.VALIDATION_BODY],
               not_found="Contact not found")
    def patch(self, request, contact_id):
        contact = _get(contact_id)
        serializer = ContactUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = _model_values(serializer.validated_data)
        if "custom_fields" in values:
            values["custom_fields"] = {**contact.custom_fields, **values["custom_fields"]}  # merge
        if values.get("email") and values["email"] != contact.email:
            other = Contact.objects.filter(email=values["email"]).values_list("pk", flat=True).first()
            if other:
                raise _duplicate(values["email"], other)
        for name, value in values.items():
            setattr(contact, name, value)  # tags replace
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            raise _duplicate(values.get("email"), None) from None
        return ok(ContactSerializer(contact).data)

    @operation("deleteContact", "contacts:write", "Delete a contact",
               description="A contact with survey history (sendings or responses) is kept: 409 "
                           "`CONFLICT`.",
               ok=None, status=204, tags=TAGS, parameters=[CONTACT_ID],
               errors=WRITE_ERRORS, examples=examples.DELETE_CONTACT,
               not_found="Contact not found")
    def delete(self, request, contact_id):
        contact = _get(contact_id)
        try:
            with transaction.atomic():
                contact.delete()
        except IntegrityError as exc:  # sendings or responses protect it
            raise errors.conflict("This contact has survey history and cannot be deleted",
                                  {"contactId": str(contact.pk)}) from exc
        return Response(status=204)


def _get(contact_id) -> Contact:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise errors.not_found("Contact not found")
    return contact


def _model_values(validated: dict) -> dict:
    return dict(validated)


def _duplicate(email, contact_id) -> errors.ApiError:
    details = {"email": ["A contact with this email already exists."]}
    if contact_id:
        details["contactId"] = str(contact_id)
    return errors.conflict("A contact with this email already exists", details)
