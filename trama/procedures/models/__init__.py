"""Programs, procedures and their calls, proposals and evaluation."""

from .calls import CallAttachment, CallBudget, Clarification, Criterion, Notice
from .coprogramming import Contribution, Meeting, Participation
from .evaluation import CommissionMember, Declaration, DocumentRequest, Score
from .programs import Area, Procedure, Program
from .proposals import BudgetLine, Proposal, ProposalFile, ProposalPartner, ProposalSection, Receipt

__all__ = [
    "Area",
    "BudgetLine",
    "CallAttachment",
    "CallBudget",
    "Clarification",
    "Contribution",
    "CommissionMember",
    "Criterion",
    "Declaration",
    "Meeting",
    "DocumentRequest",
    "Notice",
    "Participation",
    "Procedure",
    "Program",
    "Proposal",
    "ProposalFile",
    "ProposalPartner",
    "ProposalSection",
    "Receipt",
    "Score",
]
