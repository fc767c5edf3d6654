"""What happens to agreements, announced to the apps above this one (partnerships)."""

from django.dispatch import Signal

# agreement, by: every party signed the first version; the agreement is in force. Sent in
# the signing transaction, so what listens commits or rolls back with it.
agreement_signed = Signal()
