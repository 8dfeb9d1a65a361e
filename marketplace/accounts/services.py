from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.enums import ROLE_ORGANISATION_KIND, UserRole
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.queries import user_by_email
from marketplace.db import db
from marketplace.errors import InvalidInput

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# Verifying against this keeps a sign-in with an unknown email as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("innomatch-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str) -> None:
    """Raises InvalidInput when the password is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]})


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for every failure)."""
    user = user_by_email(email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def set_user_password(user: User, password: str) -> None:
    """Changes the user's password hash unless the password already matches; checks the policy."""
    check_password_policy(password)
    if not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
    db.session.flush()


def create_user(*, email: str, name: str, role: UserRole, organisation: Organisation, password: str,
                locale: str = "en") -> User:
    """Adds a user; raises InvalidInput when the role does not fit the organisation or the email is taken."""
    if ROLE_ORGANISATION_KIND[role] != organisation.kind:
        raise InvalidInput({"role": [_("This role does not belong to that kind of organisation.")]})
    if user_by_email(email) is not None:
        raise InvalidInput({"email": [_("A user with this email already exists.")]})
    check_password_policy(password)
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["LANGUAGES"][0]
    user = User(email=email.strip().lower(), name=name, role=role, organisation_id=organisation.id,
                password_hash=hash_password(password), locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    """Remembers the user's interface language."""
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
        db.session.flush()
