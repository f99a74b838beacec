"""A self-signed TLS certificate for the proxy when you have no real one (a trial, a laptop).

    python deploy/local_cert.py --out DIR [--domain PLATFORM_DOMAIN] [--host extra.example]

Writes ``DIR/cert.pem`` and ``DIR/key.pem`` (mode 600) for ``PLATFORM_DOMAIN`` and
``*.PLATFORM_DOMAIN`` (every org host), plus ``localhost`` and ``*.localhost``. Keeps a
certificate it made that still covers those names for more than 30 days (a browser exception
you accepted stays valid across restarts), and never touches one it did not make (your own).
docker-compose.yml runs it once (the ``certs`` service) with the image's Python; it needs only
``cryptography``, a dependency of the platform, and works offline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 397  # the longest validity browsers accept for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
ISSUER = "demeterrr local"  # marks certificates this script made (and may replace)


def names_for(domain: str, extra: list[str]) -> list[str]:
    names = [domain, f"*.{domain}", "localhost", "*.localhost", *extra]
    return list(dict.fromkeys(n.strip().lower() for n in names if n.strip()))


def _load(cert_path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return None


def ours(cert: x509.Certificate) -> bool:
    orgs = cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(attr.value == ISSUER for attr in orgs)


def covers(cert: x509.Certificate, names: list[str]) -> bool:
    """True when the certificate names every host and is not about to expire."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    present = {n.lower() for n in san.get_values_for_type(x509.DNSName)}
    fresh = cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE
    return fresh and set(names) <= present


def generate(names: list[str]) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, ISSUER)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(n) for n in names]
            + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def ensure(out: Path, domain: str, extra: list[str] | None = None) -> bool:
    """Write a certificate into ``out`` unless a usable one is there; True when it wrote one."""
    names = names_for(domain, extra or [])
    cert_path, key_path = out / "cert.pem", out / "key.pem"
    existing = _load(cert_path) if key_path.exists() else None
    if existing is not None and not ours(existing):
        if not covers(existing, [domain, f"*.{domain}"]):
            print(f"warning: the certificate in {out} does not cover {domain} and *.{domain}, "
                  "or expires within 30 days; it is yours, so it is kept", file=sys.stderr)
        return False
    if existing is not None and covers(existing, names):
        return False
    cert_pem, key_pem = generate(names)
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    key_path.chmod(0o600)
    cert_path.write_bytes(cert_pem)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for cert.pem, key.pem")
    parser.add_argument("--domain", default=os.environ.get("PLATFORM_DOMAIN", "localhost"),
                        help="PLATFORM_DOMAIN (default: that variable, else localhost)")
    parser.add_argument("--host", action="append", default=[],
                        help="another host name to include (repeatable)")
    args = parser.parse_args(argv)
    wrote = ensure(args.out, args.domain, args.host)
    names = ", ".join(names_for(args.domain, args.host))
    print(("wrote a new" if wrote else "kept the existing") + f" certificate for {names} "
          f"in {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
