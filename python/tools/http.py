"""Http: fetch a URL from the remote host (health checks, smoke tests).

stdlib urllib only. An HTTP error status (4xx/5xx) is a normal result, not an
exception, so callers decide which codes are healthy; network failures
(refused, DNS, TLS, timeout) raise OSError/TimeoutError with the reason.
"""

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Dict, Optional


@dataclass
class HttpResponse:
    """Result of ``get``: ``body`` is at most ``max_body`` bytes of the body,
    UTF-8 decoded (invalid bytes replaced)."""
    url: str
    status: int
    reason: str
    headers: Dict[str, str]
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # report the 3xx itself: a health endpoint that redirects is worth seeing


class Http(Tool):
    """HTTP requests made by the remote host."""

    @staticmethod
    def get(url, timeout=10.0, headers=None, follow_redirects=True, max_body=65536, method="GET"):
        # type: (str, float, Optional[Dict[str, str]], bool, int, str) -> HttpResponse
        """Request ``url`` and return HttpResponse{url, status, reason, headers, body}.
        Raises TimeoutError after ``timeout`` seconds, OSError (URLError) when the
        host cannot be reached, ValueError for a URL that is not http(s)."""
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL, not %r" % (url,))
        request = urllib.request.Request(url, headers=dict(headers or {}), method=method)
        handlers = [] if follow_redirects else [_NoRedirect()]
        opener = urllib.request.build_opener(*handlers)
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as e:
            response = e  # carries status, headers and body like a success
        except socket.timeout:
            raise TimeoutError("GET %s: no answer within %s s" % (url, timeout)) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, socket.timeout):
                raise TimeoutError("GET %s: no answer within %s s" % (url, timeout)) from None
            raise OSError("GET %s failed: %s" % (url, e.reason)) from None
        try:
            body = response.read(max_body) if max_body else b""
        except socket.timeout:
            raise TimeoutError("GET %s: body not received within %s s" % (url, timeout)) from None
        finally:
            response.close()
        return HttpResponse(
            url=response.geturl() or url, status=int(response.status if response.status is not None else response.code),
            reason=str(response.reason or ""), headers={k: v for k, v in response.headers.items()},
            body=body.decode("utf-8", "replace"),
        )
