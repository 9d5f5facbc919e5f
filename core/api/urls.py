from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path("notifications/", views.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/<uuid:notification_id>/read/", views.NotificationReadApi.as_view(),
         name="notification-read"),
    path("feed-tokens/", views.FeedTokenListApi.as_view(), name="feed-token-list"),
    path("feed-tokens/<uuid:token_id>/revoke/", views.FeedTokenRevokeApi.as_view(),
         name="feed-token-revoke"),
    path("audit-events/", views.AuditEventListApi.as_view(), name="audit-event-list"),
]
