"""What every form shares: multi-checkboxes, blank-to-None, running a service call for a form (attempt, create_once,
save_edit) and showing its errors on the fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import flash, redirect
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.submissions import FormTokenRefused, new_form_token, submit_once
from marketplace.audit.versioning import StaleEdit
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Choices are checked by the service's schema, with a translated message.
        pass


def mark_required(form: FlaskForm, schema, also: tuple[str, ...] = ()) -> None:
    """Flags the fields the schema requires (those without a default), and ``also`` those the service requires
    outside it, so the page marks them; the rule itself stays the schema's and the service's."""
    names = [name for name, info in schema.model_fields.items() if info.is_required()] + list(also)
    for name in names:
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "flags"):
            field.flags.required = True


def form_values(form: FlaskForm, names: list[str]) -> dict:
    """The named fields' data, blank strings as None so the schema applies its defaults."""
    values = {}
    for name in names:
        value = getattr(form, name).data
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        values[name] = value
    return {k: v for k, v in values.items() if v is not None}


def show_errors(form: FlaskForm, exc: InvalidInput, *, rest_on: str | None = None) -> None:
    """Puts each message under its field, and the rest at the top of the form (or under the field ``rest_on``)."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for name, messages in exc.errors.items():
        field = getattr(form, name, None) if name else None
        if field is None and rest_on is not None:
            field = getattr(form, rest_on)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not form.form_errors:
        form.form_errors.append(_("Please correct the fields marked below."))


@dataclass(frozen=True)
class Attempted:
    """How a service call went: what it returned when it was done, else the domain error that refused it."""

    value: Any = None
    error: InvalidInput | InvalidTransition | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def messages(self) -> list[str]:
        """Why it was refused, one line a message."""
        if isinstance(self.error, InvalidInput):
            return [m for ms in self.error.errors.values() for m in ms]
        return [str(self.error)] if self.error is not None else []


def attempt(
    action: Callable[[], Any],
    done: str | None = None,
    *,
    form: FlaskForm | None = None,
    refresh: Any = None,
    rest_on: str | None = None,
    quiet: bool = False,
) -> Attempted:
    """Runs a service call in its own transaction; true when it was done (``done`` flashed, when given). When a
    domain error refuses it, ``refresh`` (the object the call may have changed in the session) is reloaded and the
    person is told why: under the fields of ``form`` (the rest at its top, or under ``rest_on``), else in a flash,
    or not at all (``quiet``: the caller shows ``messages``). A StaleEdit on a form is left to the caller's
    conflict notice (``conflict``)."""
    try:
        with unit_of_work():
            value = action()
    except (InvalidInput, InvalidTransition) as exc:
        if refresh is not None:
            db.session.refresh(refresh)
        if not quiet:
            _tell(exc, form, rest_on)
        return Attempted(error=exc)
    if done:
        flash(done, "success")
    return Attempted(value=value)


def _tell(exc: InvalidInput | InvalidTransition, form: FlaskForm | None, rest_on: str | None) -> None:
    if form is None:
        flash(exc.messages if isinstance(exc, InvalidInput) else str(exc), "error")
    elif isinstance(exc, InvalidInput):
        show_errors(form, exc, rest_on=rest_on)
    elif not isinstance(exc, StaleEdit):
        form.form_errors = [*getattr(form, "form_errors", []), str(exc)]


def create_once(
    form: FlaskForm, *, create: Callable[[], Any], target_url: Callable[[Any], str], fallback: str, done: str
):
    """A create form (with its one-time ``form_token``) saved at most once (accounts.submissions.submit_once): a
    redirect to what it made, or, submitted again, to what the first submission made (``fallback`` when that is
    gone); None when it was refused, the errors on the form and a refused token replaced by a fresh one."""
    tried = attempt(
        lambda: submit_once(actor=current_user, token=form.form_token.data, create=create, target_url=target_url),
        form=form,
    )
    if isinstance(tried.error, FormTokenRefused):
        form.form_token.data = new_form_token()
    if not tried:
        return None
    made, target = tried.value
    if made is None:
        flash(_("This form was already submitted; here is what it made."), "info")
        return redirect(target or fallback)
    flash(done, "success")
    return redirect(target)


# -- editing a versioned record (versioning.py) ----------------------------------------------------


def read_version(form: FlaskForm) -> int | None:
    """The version an edit form was read at (its hidden ``version``), or None when it carries none."""
    value = (form.version.data or "").strip() if isinstance(form.version.data, str) else form.version.data
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        return number if 0 < number < 2**31 else None
    return None


def missing_version(form: FlaskForm, current: int) -> None:
    """An edit form without its version (not one of our pages): nothing is saved, the entries stay, and the form
    now carries the current version."""
    form.version.data = str(current)
    form.form_errors = [
        *getattr(form, "form_errors", []),
        _(
            "This form did not say which version it was read at, so nothing was saved. Your entries "
            "are kept below; check them against the current version and save again."
        ),
    ]


def save_edit(
    form: FlaskForm, obj: Any, update: Callable[[int], Any], *, on_stale: Callable[[StaleEdit], Conflict]
) -> tuple[bool, Conflict | None]:
    """Saves an edit form of a versioned record, ``update(version the form was read at)``: (True, None) when saved
    ("Changes saved." flashed); else the entries stay on the form with what was wrong, ``obj`` is reloaded, and
    when someone else changed it meanwhile its conflict notice, ``on_stale(exc)``, comes back too."""
    read = read_version(form)
    if read is None:
        missing_version(form, obj.version)
        return False, None
    tried = attempt(lambda: update(read), _("Changes saved."), form=form, refresh=obj)
    if isinstance(tried.error, StaleEdit):
        return False, on_stale(tried.error)
    return bool(tried), None


def shown(value: Any) -> str:
    """A field's value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "label"):
        return str(value.label)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return ", ".join(shown(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Conflict:
    """What the edit page shows when the record changed under the edit: a heading, the changed fields' labels with
    their current values, and a link to the record as it is now."""

    heading: str
    fields: list[tuple[str, str]]
    link: str


def conflict(
    form: FlaskForm,
    obj: Any,
    exc: StaleEdit,
    *,
    heading: str,
    link: str,
    labels: Mapping[str, str] | None = None,
    values: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Conflict:
    """The conflict notice for ``obj`` (reloaded: its current values) after StaleEdit; the form keeps the person's
    entries and now carries the current version, so saving again keeps theirs knowingly."""
    labels, values = labels or {}, values or {}
    rows = []
    for name in exc.changed:
        field = getattr(form, name, None)
        label = labels.get(name) or (str(field.label.text) if field is not None and hasattr(field, "label") else name)
        value = values[name](obj) if name in values else getattr(obj, name, None)
        rows.append((label, shown(value)))
    form.version.data = str(obj.version)
    form.form_errors = list(getattr(form, "form_errors", []))
    return Conflict(heading=heading, fields=rows, link=link)
