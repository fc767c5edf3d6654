"""What happens in the ledger, announced to the apps above this one (partnerships)."""

from django.dispatch import Signal

# changes: a list of `Contribution` — a body's pledges or accepted actuals in a year of a
# program grew or shrank. Sent inside the write's transaction, after the roll-ups moved,
# so what listens commits or rolls back with it.
contributions_changed = Signal()
