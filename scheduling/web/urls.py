from __future__ import annotations

from django.urls import path

from . import views

app_name = "scheduling_web"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("plans/<uuid:public_id>/book/", views.plan_book, name="plan_book"),
    path("plans/<uuid:public_id>/timeline/", views.timeline, name="timeline"),
    path("violations/<uuid:public_id>/", views.violation_acknowledge,
         name="violation_acknowledge"),
    path("bookings/<uuid:public_id>/move/", views.booking_move, name="booking_move"),
    path("bookings/<uuid:public_id>/cancel/", views.booking_cancel, name="booking_cancel"),
]
