"""TLS and mutual TLS, with certificates this test makes: a CA, a server certificate for localhost and a
client certificate, all signed by the CA."""

import datetime
import ipaddress
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from support import ADMIN_TOKEN, serve

from pullrouting import cli
from pullrouting.v1 import admin_service_pb2, admin_service_pb2_grpc

NOW = datetime.datetime.now(datetime.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool = False, usage=None, sans=()):
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(minutes=5))
        .not_valid_after(NOW + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Pki:
    def __init__(self, directory: Path) -> None:
        ca_key, server_key, self.client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
        ca = _certificate("test CA", ca_key, "test CA", ca_key, ca=True)
        server = _certificate(
            "localhost",
            server_key,
            "test CA",
            ca_key,
            usage=ExtendedKeyUsageOID.SERVER_AUTH,
            sans=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        )
        self.client = _certificate(
            "agent desktop", self.client_key, "test CA", ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH
        )
        self.ca_pem = _pem(ca)
        self.ca_path, self.cert_path, self.key_path = (
            directory / "ca.pem",
            directory / "server.pem",
            directory / "key.pem",
        )
        self.ca_path.write_bytes(self.ca_pem)
        self.cert_path.write_bytes(_pem(server))
        self.key_path.write_bytes(_key_pem(server_key))

    def channel_credentials(self, with_client_certificate: bool) -> grpc.ChannelCredentials:
        if not with_client_certificate:
            return grpc.ssl_channel_credentials(root_certificates=self.ca_pem)
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca_pem, private_key=_key_pem(self.client_key), certificate_chain=_pem(self.client)
        )


@pytest.fixture
def pki(tmp_path) -> Pki:
    return Pki(tmp_path)


async def _list_lists(channel: grpc.aio.Channel) -> admin_service_pb2.AdminServiceListListsResponse:
    stub = admin_service_pb2_grpc.AdminServiceStub(channel)
    return await stub.ListLists(
        admin_service_pb2.AdminServiceListListsRequest(),
        metadata=(("authorization", f"Bearer {ADMIN_TOKEN}"),),
        timeout=10,
    )


async def _refused(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _list_lists(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_tls_serves_clients_that_trust_the_ca_and_refuses_plaintext(sqlite_url, pki):
    async for server in serve(sqlite_url, tls_cert=str(pki.cert_path), tls_key=str(pki.key_path)):
        async with grpc.aio.secure_channel(server.address, pki.channel_credentials(False)) as channel:
            await _list_lists(channel)
        async with grpc.aio.insecure_channel(server.address) as channel:
            await _refused(channel)


async def test_a_client_ca_requires_a_client_certificate(sqlite_url, pki):
    tls = {"tls_cert": str(pki.cert_path), "tls_key": str(pki.key_path), "tls_client_ca": str(pki.ca_path)}
    async for server in serve(sqlite_url, **tls):
        async with grpc.aio.secure_channel(server.address, pki.channel_credentials(True)) as channel:
            await _list_lists(channel)
        async with grpc.aio.secure_channel(server.address, pki.channel_credentials(False)) as channel:
            await _refused(channel)
        async with grpc.aio.insecure_channel(server.address) as channel:
            await _refused(channel)


def test_a_client_ca_without_a_server_certificate_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--database", f"sqlite:///{tmp_path}/x.db", "--tls-client-ca", "ca.pem"])
    assert exited.value.code == 2
    assert "--tls-client-ca needs --tls-cert" in capsys.readouterr().err
