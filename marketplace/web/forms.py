"""What every form shares: multi-checkboxes, blank-to-None, and showing service errors on fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice

from marketplace.core.db import unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition
from marketplace.core.versioning import StaleEdit


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


def show_errors(form: FlaskForm, exc: InvalidInput) -> None:
    """Puts each message under its field, and the rest at the top of the form."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for name, messages in exc.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not form.form_errors:
        form.form_errors.append(_("Please correct the fields marked below."))


def attempt(action, done: str) -> bool:
    """Runs a service call in its own transaction and flashes how it went; True when it was done."""
    try:
        with unit_of_work():
            action()
    except InvalidInput as exc:
        flash(exc.messages, "error")
    except InvalidTransition as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
        return True
    return False


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
