"""MDT boards and their members. (Meetings, agendas, attendance and decisions follow.)"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Specialty(models.TextChoices):
    SPINE_SURGEON = "spine_surgeon", "Spine surgeon"
    ORTHOPAEDIC_SURGEON = "orthopaedic_surgeon", "Orthopaedic surgeon"
    NEUROSURGEON = "neurosurgeon", "Neurosurgeon"
    RADIATION_ONCOLOGIST = "radiation_oncologist", "Radiation / clinical oncologist"
    MEDICAL_ONCOLOGIST = "medical_oncologist", "Medical oncologist"
    RADIOLOGIST = "radiologist", "Radiologist (MSK / neuro)"
    INTERVENTIONAL_RADIOLOGIST = "interventional_radiologist", "Interventional radiologist"
    PATHOLOGIST = "pathologist", "Pathologist"
    PALLIATIVE_CARE = "palliative_care", "Palliative care"
    MSCC_COORDINATOR = "mscc_coordinator", "MSCC coordinator / CNS"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    NURSE_SPECIALIST = "nurse_specialist", "Clinical nurse specialist"
    COORDINATOR = "coordinator", "MDT coordinator"


class Board(models.Model):
    """A multidisciplinary team with a recurring meeting series."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    focus = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Rome")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class BoardMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        MEMBER = "member", "Member"
        COORDINATOR = "coordinator", "Coordinator"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_memberships"
    )
    specialty = models.CharField(max_length=32, choices=Specialty.choices)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["board", "user"], name="board_member_uniq"),
        ]
        indexes = [models.Index(fields=["user", "active"], name="board_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.board_id} ({self.specialty})"
