"""POSTing a delivery: which addresses are allowed, and one HTTP request to an address
checked before the connection is made.

A webhook URL is typed by staff, and the worker that follows it sits inside the portal's
network: without care, an endpoint could make the worker call the database, the cache, a
cloud metadata service or an admin page on a private address (server-side request
forgery). So, unless ``WEBHOOK_ALLOW_PRIVATE`` is on (development and tests):

- the admin form refuses a URL naming this machine or a private address (``url_refusal``);
- each attempt resolves the host name, refuses it when any of its addresses is not a
  public one, and connects to the address it checked (not to a second lookup, which a
  hostile name server could answer differently: "DNS rebinding"); TLS still checks the
  certificate against the host name;
- redirects are not followed (a 3xx answer is a failed attempt), and no proxy is used.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# What is kept of a response body for the admin.
RESPONSE_KEEP = 1000
# Read at most this much of a response (a receiver answering with a huge body costs the
# worker nothing more).
RESPONSE_READ = 4096
LOCAL_NAMES = ("localhost", "localhost.localdomain")


class AddressRefused(Exception):
    """The URL's host is (or resolves to) an address deliveries must not go to."""


@dataclass(frozen=True)
class Response:
    status: int
    body: str


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_refusal(url: str) -> str | None:
    """Why the admin refuses ``url`` as an endpoint, or None. Names that resolve to a private
    address are refused at each attempt instead (``post``): resolving here would only say
    what the name meant today."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("Enter an https:// address.")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        return _("Enter an https:// address: deliveries carry data and a signature.")
    if parts.username or parts.password:
        return _("Put no user name or password in the address: deliveries are signed.")
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return None
    host = parts.hostname.rstrip(".").lower()
    try:
        public = _is_public(host)
    except ValueError:  # a name, not an address
        public = host not in LOCAL_NAMES and not host.endswith(".localhost")
    if not public:
        return _("This address is on this machine or a private network: use a public address.")
    return None


def _resolve(host: str, port: int) -> tuple:
    """The (family, address) to connect to: the first address of ``host``, after checking
    that every address it has is public (unless ``WEBHOOK_ALLOW_PRIVATE``)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"cannot resolve the host name ({exc.strerror})") from exc
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for info in infos:
            if not _is_public(info[4][0]):
                raise AddressRefused("the host name resolves to a private address")
    family, _type, _proto, _name, sockaddr = infos[0]
    return family, sockaddr


def _connect(family: int, sockaddr: tuple, timeout: float) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked by ``_resolve``; the Host header names the host."""

    def __init__(self, host: str, port: int, *, address: tuple, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connect(*self._address, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: tuple, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = _connect(*self._address, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST ``body`` to ``url``; the response's status and the start of its body. Raises
    ``AddressRefused``, ``OSError`` (refused, unreachable, timed out) or
    ``http.client.HTTPException``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    refusal = url_refusal(url)
    if refusal:
        raise AddressRefused(refusal)
    address = _resolve(host, port)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(RESPONSE_READ).decode("utf-8", errors="replace")
        return Response(status=response.status, body=text[:RESPONSE_KEEP])
    finally:
        connection.close()
