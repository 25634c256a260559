"""Who may do what in training (docs/training.md, "Who may do what"): the one rule the pages
and the API both call.

- Everyone signed in learns: reads published courses, takes published exams, answers drills,
  and sees their own attempts, certifications and checklist.
- Admins and supervisors (the trainers) manage courses, question banks, exams,
  certifications, learning paths and drills, and grant or revoke certifications.
- Reviewers (admins, supervisors and QA reviewers) grade short answers and drill replies,
  never their own.
"""

from __future__ import annotations

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import PermissionDenied


def can_manage(user: User) -> bool:
    return user.is_active and user.sees_all_tickets


def manage_require(user: User) -> None:
    if not can_manage(user):
        raise PermissionDenied("only admins and supervisors manage training")


def can_grade(user: User) -> bool:
    return user.is_active and (user.sees_all_tickets or user.role == Role.QA_REVIEWER)


def grade_require(user: User) -> None:
    if not can_grade(user):
        raise PermissionDenied("only admins, supervisors and QA reviewers grade answers")


def learner_require(user: User) -> None:
    if not user.is_active:
        raise PermissionDenied("this account is deactivated")
