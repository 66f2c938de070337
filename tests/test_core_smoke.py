"""First end-to-end checks of the booking core on both backends."""

import pytest

from booking.errors import Conflict, RuleViolation
from tests.conftest import as_user


def test_book_and_clash_names_the_holder(any_app):
    desk = as_user(any_app, "desk")
    first = desk.book("IR1", "2026-11-26 09:00", "10:00", org="NCS")
    assert first.status == "confirmed"
    with pytest.raises(Conflict) as err:
        desk.book("IR1", "2026-11-26 09:30", "10:30")
    assert "09:00–10:00" in str(err.value) and "NCS" in str(err.value)
    assert f"#{first.id}" in str(err.value)
    # half-open: back to back is fine
    assert desk.book("IR1", "2026-11-26 10:00", "11:00").start > first.start


def test_outside_hours_refused(any_app):
    with pytest.raises(RuleViolation, match="08:30–16:30 on Fridays"):
        as_user(any_app, "desk").book("IR1", "2026-11-27 16:00", "17:00")
