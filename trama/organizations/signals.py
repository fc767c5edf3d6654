"""What happens to organisations, announced to the apps above this one.

`notifications` sits above `organizations` in the layers (pyproject.toml), so these services
may not call it: each one sends its signal inside its own transaction and the notifications
app, listening, tells the people concerned in the same transaction (no act without its
notification, no notification without its act). Every interface (pages, admin, API) goes
through the services, so every interface sends them.
"""

from django.dispatch import Signal

# organization, by: a body registered (platform staff verify who it is).
organization_registered = Signal()
# organization, by: a change of identity withdrew its verification (staff verify it again).
organization_needs_verification = Signal()
# claim: someone asks staff to be let into a body.
claim_submitted = Signal()
# claim, by: staff decided on a claim (the claimant is told).
claim_decided = Signal()
# organization, by, act, member, details: platform staff acted on a body (its admins are told).
staff_acted = Signal()
