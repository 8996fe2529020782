"""Domain errors, each with a message fit to show a rep in chat."""


class TouchpointError(Exception):
    """Base of every error whose message can be shown to a rep as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(TouchpointError):
    """Something the rep named does not exist in their workspace."""


class InvalidInput(TouchpointError):
    """The rep's input cannot be understood or is out of range."""


class NotAllowed(TouchpointError):
    """The rep may not do this (someone else's log, another workspace's data)."""


class StorageUnavailable(TouchpointError):
    """The database cannot be reached or written; nothing was saved."""


class Conflict(TouchpointError):
    """A concurrent change to the same records won; retrying usually succeeds."""
