from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/2fa/", views.two_factor, name="two_factor"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<uuid:public_id>/read/", views.notification_read,
         name="notification_read"),
    path("", views.home, name="home"),
]
