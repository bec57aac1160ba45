"""Quit: ask the remote runtime to exit."""

import os


class Quit(Tool):
    """Terminate the remote runtime process."""

    @staticmethod
    def quit(code=0):
        # type: (int) -> None
        """Exit the remote process with status ``code`` after this call's (null)
        result has been sent. Uses the runtime's ``request_exit(code)``; without it,
        the process is ended with os._exit shortly after returning."""
        request_exit = globals().get("request_exit")
        if callable(request_exit):
            request_exit(int(code))
            return None
        # Fallback: give the runtime a moment to write the result first.
        import threading
        timer = threading.Timer(0.5, os._exit, (int(code),))
        timer.daemon = True
        timer.start()
        return None
