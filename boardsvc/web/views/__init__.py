"""MDT member pages, one module per page group (boardsvc/web/urls.py maps each URL):

- ``meetings``: home (my next meetings), the meeting list and the month calendar;
- ``agenda``: a meeting's agenda (cards, search, reorder, late additions) and its print view;
- ``live``: live meeting mode (start and close, attendance, outcomes, the decision form);
- ``decisions``: the printable decision summary;
- ``common``: the visible meeting, the manager check and the agenda's case cards they share.

A view parses, authorises (core.access Principal; boardsvc.selectors scope meetings to the
member's boards, so another board's meeting is a 404), calls one service or selector, and
renders. Every write goes through boardsvc.services.
"""
