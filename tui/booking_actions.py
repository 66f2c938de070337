"""What the app does with one booking when a screen asks: check in, no-show, cancel (asking
first; a date of a series asks which dates), change (the form, prefilled), undo a mark, show its
history or show it on the board. Screens ask with the typed messages of :mod:`tui.messages`;
the work runs in thread workers and a refusal reaches the one worker-error handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App

from tui import messages

if TYPE_CHECKING:  # the core is imported by the start-up thread, not with the app
    from booking.models import Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
    from booking.series import SeriesResult
    from booking.service import Cospace
    from tui.screens.board import BoardScreen


class BookingActions(App[int]):
    """The booking half of :class:`tui.app.CospaceApp`."""

    cospace: Cospace
    actor: Actor | None
    orgs: list[OrgInfo]
    #: the booking this terminal last checked in, marked a no-show or cancelled (``u``)
    last_mark: int | None

    @property
    def board(self) -> BoardScreen | None:
        raise NotImplementedError

    def refresh_views(self) -> None:
        raise NotImplementedError

    def booking_saved(self, view: BookingView) -> None:
        from booking.timeutil import to_local

        self.notify(f"Booked #{view.id}: {view.space} "
                    f"{to_local(view.start, view.tz):ddd D MMM HH:mm}"
                    f"–{to_local(view.end, view.tz):HH:mm} for {view.org}."
                    + (" Provisional: it waits for approval." if view.status == "provisional"
                       else ""), title="Saved")
        self.refresh_views()

    @work(thread=True, group="change", exit_on_error=False)
    def change_booking(self, action: str, booking_id: int) -> None:
        """Check in, mark a no-show or cancel a booking, then refresh every screen; a refusal
        reaches the one worker-error handler (:meth:`on_worker_state_changed`)."""
        cs = self.cospace
        do = {"checkin": cs.checkin, "noshow": cs.noshow, "cancel": cs.cancel}[action]
        view = do(booking_id)
        words = {"checkin": "checked in", "noshow": "marked no-show", "cancel": "cancelled"}
        self.last_mark = view.id
        self.call_from_thread(self.notify, f"#{view.id} {view.space} {view.org} "
                                           f"{words[action]} (u undoes it).")
        self.call_from_thread(self.refresh_views)

    # ------------------------------------------------------------------ change, undo
    def undo_mark(self, at_cursor: BookingView | None) -> None:
        """``u``: undo the last mark made at this terminal, else the mark of the booking at
        the cursor."""
        marked = ("checked_in", "no_show", "released", "cancelled")
        booking_id = self.last_mark
        if booking_id is None and at_cursor is not None and at_cursor.status in marked:
            booking_id = at_cursor.id
        if booking_id is None:
            self.notify("Nothing to undo: no check-in, no-show, release or cancellation here.",
                        severity="warning")
            return
        self.undo_booking(booking_id)

    @work(thread=True, group="change", exit_on_error=False)
    def undo_booking(self, booking_id: int) -> None:
        from booking import status

        before = self.cospace.get(booking_id)
        view = status.undo(self.cospace, booking_id)
        if self.last_mark == booking_id:
            self.last_mark = None
        mark = status.MARK_WORDS.get(before.status, "mark")
        self.call_from_thread(self.notify, f"Undid the {mark} of #{view.id} {view.space} "
                                           f"{view.org}: confirmed again.")
        self.call_from_thread(self.refresh_views)

    def open_change(self, view: BookingView | None) -> None:
        """Open the booking form on ``view``, prefilled; saving changes it."""
        if view is None:
            self.notify("There is no booking here.", severity="warning")
            return
        if view.status not in ("confirmed", "checked_in"):
            self.notify(f"#{view.id} is {view.status.replace('_', '-')}: only a confirmed "
                        "booking can be changed (u undoes a mark).", severity="warning")
            return
        from tui.screens.dialogs import action_refusal

        if refusal := action_refusal(self.actor, "move", view.org, self.orgs):
            self.notify(refusal, severity="warning", timeout=8)  # before the form, not after
            return
        self.load_change_form(view)

    @work(thread=True, group="change-form", exit_on_error=False)
    def load_change_form(self, view: BookingView) -> None:
        site = self.cospace.site(view.site)
        spaces = [s for s in self.cospace.spaces(view.site) if s.active]
        self.call_from_thread(self.show_change_form, view, site, spaces)

    def show_change_form(self, view: BookingView, site: SiteInfo,
                         spaces: list[SpaceInfo]) -> None:
        from tui.screens.booking_form import BookingForm, form_start_of

        if self.actor is None:
            return
        self.push_screen(BookingForm(self.cospace, site, spaces, self.orgs, self.actor,
                                     form_start_of(view), editing=view), self.booking_changed)

    def booking_changed(self, result: BookingView | SeriesResult | None) -> None:
        from booking.series import SeriesResult
        from booking.timeutil import to_local

        if result is None:
            return
        if isinstance(result, SeriesResult):
            n = len(result.booked)
            self.notify(f"Changed {n} date{'s' if n != 1 else ''} of the series: "
                        f"{result.description}.", title="Saved")
        else:
            self.notify(f"Changed #{result.id}: {result.space} "
                        f"{to_local(result.start, result.tz):ddd D MMM HH:mm}"
                        f"–{to_local(result.end, result.tz):HH:mm} for {result.org}.",
                        title="Saved")
        self.refresh_views()

    def confirm_cancel(self, view: BookingView) -> None:
        """Ask, then cancel ``view``; a date of a series asks which dates."""
        from booking.timeutil import to_local
        from tui.screens.dialogs import ConfirmModal, action_refusal
        from tui.screens.series import CancelScopeModal

        if refusal := action_refusal(self.actor, "cancel", view.org, self.orgs):
            self.notify(refusal, severity="warning", timeout=8)  # before asking, not after
            return
        local = to_local(view.start, view.tz)
        what = (f"#{view.id}: {view.space} {local:ddd D MMM HH:mm}"
                f"–{to_local(view.end, view.tz):HH:mm} for {view.org}")
        if view.series is not None:
            def scope(answer: str | None) -> None:
                if answer:
                    self.cancel_in_series(view.id, answer)

            self.push_screen(CancelScopeModal(f"Cancel {what}? It is a date of series "
                                              f"#{view.series}."), scope)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.change_booking("cancel", view.id)

        self.push_screen(ConfirmModal(f"Cancel {what}?", yes="Cancel it"), answer)

    @work(thread=True, group="change", exit_on_error=False)
    def cancel_together(self, booking_ids: list[int]) -> None:
        """Cancel several bookings in one transaction: all of them, or none."""
        from booking.bulk import cancel_many
        from booking.errors import CospaceError

        try:
            views = cancel_many(self.cospace, booking_ids)
        except CospaceError as exc:
            self.call_from_thread(self.notify, f"Nothing was cancelled. {exc.message}",
                                  severity="error", timeout=10)
            return
        self.call_from_thread(self.notify, f"Cancelled {len(views)} bookings together.")
        self.call_from_thread(self.refresh_views)

    @work(thread=True, group="change", exit_on_error=False)
    def cancel_in_series(self, booking_id: int, scope: str) -> None:
        """Cancel one date of a series, it and the following ones, or all of them."""
        from booking.series import cancel_series

        views = cancel_series(self.cospace, booking_id, scope)
        n = len(views)
        if scope == "one" and views:
            self.last_mark = views[0].id
        self.call_from_thread(self.notify, f"Cancelled {n} date{'s' if n != 1 else ''} of the "
                                           "series." if n else "Nothing to cancel: those "
                                           "dates have started or are already cancelled.")
        self.call_from_thread(self.refresh_views)

    def show_history(self, view: BookingView | None) -> None:
        """Open the audit history of ``view``."""
        from tui.screens.series import HistoryModal

        if view is None:
            self.notify("There is no booking here.", severity="warning")
            return
        self.push_screen(HistoryModal(self.cospace, view))

    def series_saved(self, result: SeriesResult) -> None:
        n = len(result.booked)
        first = result.booked[0] if result.booked else None
        text = f"Booked series #{result.series}: {n} date{'s' if n != 1 else ''}"
        if first is not None:
            text += f" of {first.space} for {first.org}"
        if result.clashes:
            text += f"; {len(result.clashes)} clashing left out"
        if result.skipped:
            text += f"; {len(result.skipped)} closed skipped"
        self.notify(text + ".", title="Saved")
        self.refresh_views()

    def show_on_board(self, view: BookingView) -> None:
        """Switch to the board at ``view``'s site, day and space."""
        from booking.timeutil import minutes_of_day, to_local

        self.switch_mode("board")
        if self.board is not None:
            day = to_local(view.start, view.tz).date()
            self.board.show_day(view.site, day, cursor=(view.space,
                                                        minutes_of_day(view.start, view.tz)))

    # ------------------------------------------------------------------ requests
    @on(messages.CheckIn)
    @on(messages.NoShow)
    def _mark(self, message: messages.BookingRequest) -> None:
        if message.booking is None:
            self.notify("There is no booking here.", severity="warning")
            return
        from tui.screens.dialogs import action_refusal

        action = "checkin" if isinstance(message, messages.CheckIn) else "noshow"
        if refusal := action_refusal(self.actor, action, message.booking.org, self.orgs):
            self.notify(refusal, severity="warning", timeout=8)  # before the store, not after
            return
        self.change_booking(action, message.booking.id)

    def on_cancel_booking(self, message: messages.CancelBooking) -> None:
        if message.booking is None:
            self.notify("There is no booking here.", severity="warning")
        else:
            self.confirm_cancel(message.booking)

    def on_change_booking(self, message: messages.ChangeBooking) -> None:
        self.open_change(message.booking)

    def on_show_history(self, message: messages.ShowHistory) -> None:
        self.show_history(message.booking)

    def on_undo_mark(self, message: messages.UndoMark) -> None:
        self.undo_mark(message.booking)

    def on_show_on_board(self, message: messages.ShowOnBoard) -> None:
        if message.booking is not None:
            self.show_on_board(message.booking)
