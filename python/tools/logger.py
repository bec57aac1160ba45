"""Logger: change the remote log level and emit log records.

The runtime forwards records at or above its current level to the controller
as LOG frames; it injects ``set_log_level(level)`` (and optionally
``get_log_level()``) into the tool namespace. Without them (e.g. in tests) the
root logger's level is used.
"""

import logging
from typing import Any, Optional, Sequence, Union


def _level(level):
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    if isinstance(level, str):
        text = level.strip().upper()
        if text.isdigit():
            return int(text)
        if text == "WARN":
            text = "WARNING"
        value = logging.getLevelName(text)
        if isinstance(value, int):
            return value
    raise ValueError("unknown log level %r (use DEBUG, INFO, WARNING, ERROR, CRITICAL or an int)" % (level,))


def _format(message, args):
    if not args:
        return message
    try:
        return message % args
    except (TypeError, ValueError) as e:
        raise type(e)("log message %r does not fit its %d argument(s): %s (use one %%-placeholder per argument, %%%% for a literal %%)"
                      % (message, len(args), e)) from None


def _runtime(name):
    fn = globals().get(name)
    return fn if callable(fn) else None


def _current():
    getter = _runtime("get_log_level")
    if getter is not None:
        value = getter()
        if isinstance(value, int):
            return value
    return logging.getLogger().level


class Logger(Tool):
    """Remote log level and log emission."""

    @staticmethod
    def get_level():
        # type: () -> int
        """Current forwarding level (int, e.g. 20 for INFO)."""
        return _current()

    @staticmethod
    def set_level(level):
        # type: (Union[int, str]) -> int
        """Set the forwarding level (int or name: 'DEBUG', 'info', 'WARN', ...);
        returns the previous level as an int."""
        value = _level(level)
        previous = _current()
        setter = _runtime("set_log_level")
        if setter is not None:
            returned = setter(value)
            if isinstance(returned, int) and not isinstance(returned, bool):
                previous = returned
        else:
            logging.getLogger().setLevel(value)
        return previous

    @staticmethod
    def log(level, message, *args, logger="rmote"):
        """Emit ``message`` at ``level`` on the logger named ``logger``; ``args`` are
        merged into it ``%``-style as rmote's ``log(level, msg, *args)`` does (no
        ``args``: the message is taken literally, a ``%`` included)."""
        Logger.log_to(level, message, logger, args)

    @staticmethod
    def log_to(level, message, logger="rmote", args=None):
        # type: (Union[int, str], str, str, Optional[Sequence[Any]]) -> None
        """Emit ``message`` at ``level`` on the logger named ``logger``, ``%``-formatted
        with ``args`` (a list) when given. A format that does not fit its arguments is
        a TypeError/ValueError for the caller (logging would only print it remotely)."""
        text = _format(message, tuple(args or ()))
        logging.getLogger(logger).log(_level(level), "%s", text)
