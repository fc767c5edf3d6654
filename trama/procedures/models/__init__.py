"""Programs, procedures and their calls, proposals and evaluation."""

from .calls import CallAttachment, CallBudget, Clarification, Criterion, Notice
from .evaluation import CommissionMember, Declaration, DocumentRequest, Score
from .programs import Area, Procedure, Program
from .proposals import BudgetLine, Proposal, ProposalFile, ProposalPartner, ProposalSection, Receipt

__all__ = [
    "Area",
    "BudgetLine",
    "CallAttachment",
    "CallBudget",
    "Clarification",
    "CommissionMember",
    "Criterion",
    "Declaration",
    "DocumentRequest",
    "Notice",
    "Procedure",
    "Program",
    "Proposal",
    "ProposalFile",
    "ProposalPartner",
    "ProposalSection",
    "Receipt",
    "Score",
]
