"""The agreement's acts, one service each: `plan` (the table's budget plan), `agreement`
(drafting its parts), `signing` (issuing versions, signatures, coming into force, amendments,
the start, reminders, art. 27), `reports` and `payments` (co-production), `closing`
(completion and termination) and `reminders` (reports due and overdue)."""
