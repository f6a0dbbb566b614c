"""The one exception type deepdreamer raises for anything a user can fix."""


class DeepDreamError(Exception):
    """A problem with the user's input or environment, described in one line.

    Front ends print ``str(error)`` without a traceback and exit with status 2.
    """
