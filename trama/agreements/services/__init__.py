"""The agreement's acts, one service each: `plan` and `agreement` (table budget plan,
issuing, signing, amending), `reports` and `payments` (co-production), `closing`
(completion and termination) and `reminders` (reports due and overdue)."""
