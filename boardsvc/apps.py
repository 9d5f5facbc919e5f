"""The boards app: MDT boards, their members, meetings, agendas, attendance and decisions.

Named ``boardsvc`` (the project's name) because the project was specified with this layout; its
URL namespaces follow the app label: ``boardsvc_web`` for pages, ``boardsvc_api`` for the API.
"""

from __future__ import annotations

from django.apps import AppConfig


class BoardsvcConfig(AppConfig):
    name = "boardsvc"
    verbose_name = "MDT boards, meetings and decisions"
