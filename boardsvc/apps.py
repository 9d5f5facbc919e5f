from __future__ import annotations

from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boardsvc"
    verbose_name = "MDT boards"
