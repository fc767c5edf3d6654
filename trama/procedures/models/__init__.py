"""Procedures and their calls, proposals and evaluation."""

from .calls import CallAttachment, CallBudget, Clarification, Criterion, Notice
from .coprogramming import Contribution, Meeting, Participation
from .evaluation import CommissionMember, Declaration, DocumentRequest, Score
from .procedures import Procedure
from .proposals import BudgetLine, Proposal, ProposalFile, ProposalPartner, ProposalSection, Receipt
from .table import Adoption, Attendance, MinutesReview, ProjectVersion, SectionComment

__all__ = [
    "Adoption",
    "Attendance",
    "MinutesReview",
    "SectionComment",
    "ProjectVersion",
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
    "Proposal",
    "ProposalFile",
    "ProposalPartner",
    "ProposalSection",
    "Receipt",
    "Score",
]
