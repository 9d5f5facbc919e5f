"""Plain helpers shared by the tests: builders, constants and small client helpers.

Tests import helpers from here (``from tests.support.web import login``), never from a
``conftest.py``. Fixtures stay in the conftest files (or the browser plugin,
``tests/browser/harness.py``): pytest finds a fixture by its name as a test argument, and a test
never imports one. A conftest fixture that needs a helper calls it from here.

- ``tests.support.world``: the integration cast (two boards, their people, a case and a booking
  each) used by ``tests/integration`` and ``tests/security``, and the scopes a system client
  can hold.
- ``tests.support.web``: a signed-in Django test client for the page tests.
- ``tests.support.browser``: screenshots and the demo sign-in for the Playwright journeys.
- ``tests.support.cases``: the intake page's form data.
- ``tests.support.boardsvc``: ``due_soon(meeting)``, a meeting brought within its start margin.
- ``tests.support.scheduling``: the API's base path, an authenticated API client, a procedure
  booked through the service, the SQL that finds overlapping active bookings.
- ``tests.support.queries``: ``assert_num_queries(n)``, which fails with the numbered SQL of
  every query when the count is wrong, and ``count_queries``.
"""
