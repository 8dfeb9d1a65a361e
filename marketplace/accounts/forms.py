from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email

from marketplace.web.forms import options


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    next = HiddenField()


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=options([("en", "English"), ("zh_Hans", "简体中文")]))
    next = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("What will use it, e.g. our CRM export job."))
    can_write = BooleanField(_l("Allow changes (imports), not only reading"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=_l("At least 12 characters, not only digits, not your email address."),
    )
    repeat = PasswordField(_l("New password again"), validators=[DataRequired()])


class ProfileForm(FlaskForm):
    # Required by the service (update_profile), which says why; the page marks it.
    name = StringField(_l("Your name"), description=_l("As colleagues and partners see it."))
    # Its own id: the menu's language switcher on every page is "locale".
    locale = SelectField(
        _l("Language"), choices=options([("en", "English"), ("zh_Hans", "简体中文")]), id="profile-locale"
    )
    digest = RadioField(_l("Email me"), choices=[], validate_choice=False)


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class ResetPasswordForm(FlaskForm):
    token = HiddenField()
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=_l("At least 12 characters, not only digits, not your email address."),
    )
    repeat = PasswordField(_l("New password again"), validators=[DataRequired()])
