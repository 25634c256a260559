"""Real mail servers for the channel tests: aiosmtpd (SMTP) and Dovecot (IMAP), each on a free
port of 127.0.0.1, with a self-signed certificate for the TLS cases. Dovecot comes from the
system packages (`.ci/run` installs dovecot-imapd when missing); without it the IMAP tests
skip and say why."""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
DOVEADM = shutil.which("doveadm") or (
    "/usr/bin/doveadm" if Path("/usr/bin/doveadm").exists() else None
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key)."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


# ----------------------------------------------------------------------------------- SMTP


@dataclass
class SmtpServer:
    port: int
    received: list[Envelope] = field(default_factory=list)
    refuse: str = ""  # an SMTP answer to every DATA, e.g. "550 5.7.1 refused"
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.refuse:
            return self.refuse
        self.received.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def running_smtp(**options: Any) -> Iterator[SmtpServer]:
    """aiosmtpd on a free port, accepting everything (or answering `refuse`), logins checked
    against user "desk" / password "s3cret smtp"; `options` go to the server (`ssl_context`
    for SSL/TLS from the start, `tls_context` to offer STARTTLS)."""
    state = SmtpServer(port=free_port())

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        if isinstance(auth, LoginPassword):
            pair = (auth.login.decode(), auth.password.decode())
            state.logins.append(pair)
            return AuthResult(success=pair == ("desk", "s3cret smtp"), handled=False)
        return AuthResult(success=False, handled=False)

    controller = Controller(
        state,
        hostname="127.0.0.1",
        port=state.port,
        authenticator=authenticator,
        auth_require_tls=False,
        **options,
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


def server_tls_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


# ---------------------------------------------------------------------------------- IMAP

IMAP_USER = "buyers@shop.example"
IMAP_PASSWORD = "s3cret imap"


@dataclass
class Dovecot:
    folder: Path
    config: Path
    port: int
    ssl_port: int
    process: subprocess.Popen[bytes]

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in the folder as a mail server would (IMAP APPEND)."""
        client = self.client()
        try:
            status, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", data
        finally:
            client.logout()

    def uidvalidity_set(self, value: int, folder: str = "INBOX") -> None:
        """What a server does when it rebuilds a folder: new UIDVALIDITY, UIDs from 1."""
        assert DOVEADM is not None
        subprocess.run(
            [
                DOVEADM,
                "-c",
                str(self.config),
                "mailbox",
                "update",
                "-u",
                IMAP_USER,
                "--uid-validity",
                str(value),
                folder,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


DOVECOT_CONF = """\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{mail}/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture
def dovecot(certificate: tuple[Path, Path]) -> Iterator[Dovecot]:
    """A Dovecot of its own: plain IMAP (STARTTLS offered) and IMAPS on free ports, one user
    whose mail is a maildir in a temporary folder."""
    if DOVECOT is None or DOVEADM is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)")
    if os.geteuid() != 0:
        pytest.skip("the test Dovecot runs as root (it switches to its own users)")
    folder = Path(tempfile.mkdtemp(prefix="afterdesk-dovecot-"))
    folder.chmod(0o755)
    mail = folder / "mail"
    mail.mkdir()
    owner = 65534  # nobody: Dovecot refuses mail access as root
    os.chown(mail, owner, owner)
    (folder / "users").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    port, ssl_port = free_port(), free_port()
    cert, key = certificate
    config = folder / "dovecot.conf"
    config.write_text(
        DOVECOT_CONF.format(
            folder=folder,
            mail=mail,
            uid=owner,
            gid=owner,
            port=port,
            ssl_port=ssl_port,
            cert=cert,
            key=key,
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = Dovecot(folder, config, port, ssl_port, process)
    try:
        wait_for_port(port)
        wait_for_port(ssl_port)
    except RuntimeError:
        server.stop()
        log = (
            (folder / "dovecot.log").read_text(errors="replace")
            if (folder / "dovecot.log").exists()
            else ""
        )
        output = process.stdout.read().decode(errors="replace") if process.stdout else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"Dovecot did not start: {output}\n{log}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
