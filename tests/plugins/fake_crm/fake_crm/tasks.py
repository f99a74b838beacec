from host.celery_app import app
from host.models import Contact
from host.tasking import for_each_org, org_task


@org_task(name="fake_crm.contact_emails", ignore_result=False)
def contact_emails() -> list[str]:
    """Read this org's contacts (proves a task runs in the schema of the org that sent it)."""
    return sorted(Contact.objects.values_list("email", flat=True))


@app.task(name="fake_crm.tick", ignore_result=False)
def tick() -> int:
    """A public periodic task fanning out to every organization."""
    return for_each_org(contact_emails)
