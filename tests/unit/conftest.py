"""Unit-test fixtures."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel


@pytest.fixture
def babel_ctx():
    """A bare request context with Babel, for rules whose messages are translated (English)."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield
