from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.enums import ROLE_ORGANISATION_KIND, DigestPreference, UserRole
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.queries import user_by_email
from marketplace.audit.services import record_change
from marketplace.core.db import db
from marketplace.core.errors import InvalidInput

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# Shorter local parts ("li@…") are too likely to occur in a good password by chance.
MIN_LOCAL_PART_CHECKED = 3
# Long enough to pass the length rule, yet at the top of every leaked-password list (lower case).
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "111111111111",
        "000000000000",
        "password1234",
        "password12345",
        "password123456",
        "password@123",
        "password!234",
        "passwordpassword",
        "qwertyuiop12",
        "qwerty123456",
        "qwertyuiopasdf",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "qazwsxedcrfv",
        "iloveyou1234",
        "welcome12345",
        "welcome@1234",
        "changeme1234",
        "letmein12345",
        "administrator",
        "admin1234567",
        "abc123456789",
        "abcdefghijkl",
        "aa123456789a",
        "p@ssw0rd1234",
        "p@ssword1234",
        "sunshine1234",
        "football1234",
        "monkey123456",
        "dragon123456",
        "trustno1trustno1",
        "innomatch123",
        "innomatch1234",
        "demo-password",
    }
)
# Verifying against this keeps a sign-in with an unknown email as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("innomatch-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Why the password is too weak to accept (translated), or [] when it is fine."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if password.isdigit():
        problems.append(_("Use letters or symbols too, not only digits."))
    local_part = email.strip().lower().partition("@")[0]
    if len(local_part) >= MIN_LOCAL_PART_CHECKED and local_part in password.lower():
        problems.append(_("Do not put your email address in the password."))
    if password.lower() in COMMON_PASSWORDS:
        problems.append(_("This password is one of the most common ones; choose another."))
    return problems


def check_password_policy(password: str, *, email: str = "") -> None:
    """Raises InvalidInput (on ``password``) when the password is too weak to accept."""
    problems = password_problems(password, email=email)
    if problems:
        raise InvalidInput({"password": problems})


def authenticate(email: str, password: str, *, ip: str | None = None) -> User | None:
    """The active user with this email and password, or None (same answer for every failure).

    Every attempt leaves an audit row (``user.sign_in`` or ``user.sign_in_failed``) with the
    email as typed and the client's address, never the password.
    """
    user = user_by_email(email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        _record_sign_in(None, email, ip, "unknown_email")
        return None
    if not verify_password(user.password_hash, password):
        _record_sign_in(user, email, ip, "wrong_password")
        return None
    if not user.active:
        _record_sign_in(user, email, ip, "inactive")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    _record_sign_in(user, email, ip, None)
    return user


def _record_sign_in(user: User | None, email: str, ip: str | None, failure: str | None) -> None:
    after = {"email": email.strip().lower()[:254], "ip": ip}
    if failure:
        after["reason"] = failure
    # entity_id 0: an email that belongs to nobody.
    record_change(
        actor_id=user.id if user and not failure else None,
        action="user.sign_in_failed" if failure else "user.sign_in",
        entity="user",
        entity_id=user.id if user else 0,
        after=after,
    )


def end_sessions(user: User) -> int:
    """Every session of this person stops working: the version their cookies carry (``User.get_id``) moves on,
    so the user loader finds nobody for them. Returns the new version (a session that should stay signed in
    stores it again). One atomic UPDATE: of a sign-out and a password change racing, neither is lost."""
    user.session_version = User.session_version + 1
    db.session.flush()
    return user.session_version  # reloaded: the UPDATE's result


def set_user_password(user: User, password: str) -> None:
    """Changes the user's password hash unless the password already matches; checks the policy. Every session
    of the person ends (``end_sessions``): whoever knew the old password is out."""
    check_password_policy(password, email=user.email)
    if not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
    end_sessions(user)


def change_own_password(user: User, *, current_password: str, password: str, repeat: str) -> None:
    """A signed-in person changes their password (``set_user_password``: the policy, every session ends), after
    proving they know the current one; audited as ``user.password_change``, never with a password or hash."""
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput({"current_password": [_("This is not your current password.")]})
    if password != repeat:
        raise InvalidInput({"repeat": [_("The two new passwords are not the same.")]})
    before = user.session_version
    set_user_password(user, password)
    record_change(
        actor_id=user.id,
        action="user.password_change",
        entity="user",
        entity_id=user.id,
        before={"session_version": before},
        after={"session_version": user.session_version},
    )


def reset_feed_address(user: User) -> None:
    """The person's calendar-feed URL changes: the old one (signed with the old ``feed_version``) answers 404
    from now on. Audited as ``user.feed_reset``."""
    before = user.feed_version
    user.feed_version = User.feed_version + 1
    db.session.flush()
    record_change(
        actor_id=user.id,
        action="user.feed_reset",
        entity="user",
        entity_id=user.id,
        before={"feed_version": before},
        after={"feed_version": user.feed_version},
    )


def create_user(
    *,
    email: str,
    name: str,
    role: UserRole,
    organisation: Organisation,
    password: str,
    locale: str = "en",
    actor: User | None = None,
) -> User:
    """Adds a user and an audit row (``actor`` None: the command line); raises InvalidInput when the
    role does not fit the organisation, the email is taken or the password is too weak."""
    if ROLE_ORGANISATION_KIND[role] != organisation.kind:
        raise InvalidInput({"role": [_("This role does not belong to that kind of organisation.")]})
    if user_by_email(email) is not None:
        raise InvalidInput({"email": [_("A user with this email already exists.")]})
    check_password_policy(password, email=email)
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["LANGUAGES"][0]
    user = User(
        email=email.strip().lower(),
        name=name,
        role=role,
        organisation_id=organisation.id,
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    record_change(
        actor_id=actor.id if actor else None,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after={
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "organisation_id": user.organisation_id,
        },
    )
    return user


def set_locale(user: User, locale: str) -> None:
    """Remembers the user's interface language."""
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
        db.session.flush()


MAX_NAME_LENGTH = 200


def update_profile(user: User, *, name: str, locale: str, digest: DigestPreference | str) -> None:
    """A person changes their own display name, interface language and email digest choice. Raises InvalidInput
    (on ``name``, ``locale``, ``digest``) and changes nothing when one is not acceptable. Audited as
    ``user.profile`` with the fields that changed."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Enter the name people see, e.g. Li Wei.")]
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = [_("Use at most %(n)d characters.", n=MAX_NAME_LENGTH)]
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [_("Choose one of the languages offered.")]
    try:
        digest = DigestPreference(digest)
    except ValueError:
        errors["digest"] = [_("Choose how you want to hear of new notifications.")]
    if errors:
        raise InvalidInput(errors)
    before = {"name": user.name, "locale": user.locale, "digest": user.digest.value}
    user.name, user.locale, user.digest = name, locale, digest
    db.session.flush()
    record_change(
        actor_id=user.id,
        action="user.profile",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"name": user.name, "locale": user.locale, "digest": user.digest.value},
    )
