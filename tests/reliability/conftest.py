"""Fixtures of the reliability tests (faults between Narahubung and its servers, kill -9)."""

from __future__ import annotations

import pytest
from reliability_support import FakeClock

from classify import load_classifier


@pytest.fixture(scope="module")
def rules_classifier(directory):
    """The rule classifier: which rule fires depends on the text, and it starts in no time."""
    return load_classifier(directory, name="rules")


@pytest.fixture
def clock():
    return FakeClock()
