"""Errors a user can act on. Each message names the thing that is wrong and what to do about it;
the page shows it after the failed action's name, in the page's language."""
from __future__ import annotations


class RasError(Exception):
    """A failure explained to the user (not a bug)."""


class InputError(RasError, ValueError):
    """A value typed in the page or sent to the API is not usable."""


class NotFound(RasError, LookupError):
    """What was asked for (a clip, a text, a product, a task) is not there (any more)."""


class RoleNotFound(NotFound):
    """The role was deleted or renamed since the page listed it."""


class Conflict(RasError):
    """The thing is in a state that does not allow the action now (e.g. a task that is running, a run
    already finished); the message says what to wait for or do first."""
