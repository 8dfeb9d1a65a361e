"""View decorators that apply a domain rule before the view runs.

``allowed_if(rule)`` lets a view run only for a user the rule (in a domain's ``rules.py``) admits: anyone else
gets 403 before anything is loaded (``platform_only`` for the organisers' pages). ``loads`` turns the id in the
URL into the object: the domain's loader answers 404 for an object that does not exist or that the user may
not know of (ids cannot be probed); then an object rule may answer 403 (visible but not theirs to change), or
404 where the route hides the object. The view receives the object instead of its id.

Put ``@login_required`` above them, so an anonymous visitor is sent to sign in first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_login import current_user

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_platform
from marketplace.core.errors import NotFound, PermissionDenied


def allowed_if(rule: Callable[[User], bool]):
    """The view runs only when ``rule(current_user)`` holds; PermissionDenied (403) otherwise."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not rule(current_user):
                raise PermissionDenied()
            return view(*args, **kwargs)

        return guarded

    return decorate


platform_only = allowed_if(is_platform)


def loads(
    param: str,
    load: Callable[[User, int], Any],
    *,
    check: Callable[[User, Any], bool] | None = None,
    hide: bool = False,
    into: str | None = None,
):
    """Loads the object whose id the URL names ``param`` with ``load(current_user, id)`` (which raises NotFound,
    404, or returns None when it does not exist or the user may not see it), then requires ``check(current_user, obj)``:
    PermissionDenied (403), or NotFound (404) with ``hide``. The view gets the object as ``into`` (by default
    ``param`` without its ``_id``: ``need_id`` → ``need``)."""
    name = into or param.removesuffix("_id")

    def decorate(view):
        @wraps(view)
        def loaded(*args, **kwargs):
            found = load(current_user, kwargs.pop(param))
            if found is None:
                raise NotFound()
            if check is not None and not check(current_user, found):
                raise NotFound() if hide else PermissionDenied()
            kwargs[name] = found
            return view(*args, **kwargs)

        return loaded

    return decorate
