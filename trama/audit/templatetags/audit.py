from django import template

from trama.audit.labels import action_label, detail_label, value_label

register = template.Library()


@register.filter
def audit_action(action: str) -> str:
    return action_label(action)


@register.filter
def audit_details(data) -> str:
    """An event's details as `key: value` pairs in the reader's words, lists joined."""
    if not isinstance(data, dict):
        return ""
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            value = ", ".join(value_label(key, v) for v in value)
        else:
            value = value_label(key, value)
        parts.append(f"{detail_label(key)}: {value}")
    return "; ".join(parts)
