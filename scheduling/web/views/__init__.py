"""Coordinator pages of scheduling, one module per page (web/urls.py names each):

- ``worklist``: ``/worklist/``, plans waiting to be booked and violations to resolve;
- ``plan_book``: ``/plans/{id}/book/``, free slots and the rule check before confirming;
- ``timeline``: ``/plans/{id}/timeline/``, the plan over time (SVG);
- ``violations``: ``/violations/{id}/``, one violation and its acknowledgement;
- ``booking_changes``: ``/bookings/{id}/move/`` and ``/bookings/{id}/cancel/``.

Views parse, authorise (coordinators book; members may read a visible plan's timeline), call
scheduling's selectors and services, and render. Refusals are the services' rule errors,
shown on the page (core.web.errors).
"""
