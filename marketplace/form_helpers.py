"""What every form shares: multi-checkboxes, blank-to-None, and showing service errors on fields."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice

from marketplace.db import unit_of_work
from marketplace.errors import InvalidInput, InvalidTransition


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Choices are checked by the service's schema, with a translated message.
        pass


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
