"""Messages split by urgency: errors go to a ``role=alert`` region (announced at once), the
rest to a ``role=status`` region (announced politely)."""

from django import template
from django.contrib.messages import constants

register = template.Library()


@register.filter
def alerts(messages):
    return [m for m in messages if m.level >= constants.ERROR]


@register.filter
def notices(messages):
    return [m for m in messages if m.level < constants.ERROR]
