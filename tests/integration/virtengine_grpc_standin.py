# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for a VirtEngine node's gRPC service ``virtengine.encryption.v1.Query``, for PLAY-SEC-001 tests. A double.

It serves the two methods the audit reads, with the chain's messages (tests/proto, the field numbers of the chain's
``virtengine/encryption/v1/{query,types}.proto``) compiled by grpcio-tools, over real gRPC:

- ``KeyByFingerprint{fingerprint}`` -> ``{key: RecipientKeyRecord}``; an unknown fingerprint fails as the SDK reports
  the module's registered ErrKeyNotFound: status UNKNOWN, "codespace encryption code 3: recipient key not found: ...".
- ``RecipientKey{address}`` -> ``{keys: [...]}`` of that owner; an address that is not bech32 ``virtengine1...`` fails
  with "codespace encryption code 1: invalid address: ...".

The records are read on every call from ``HOME/keys.json`` (a list of RecipientKeyRecord objects, ``public_key`` in
base64), which the CLI stand-in (virtengine_standin.py) updates when a revocation is committed.

    python3 virtengine_grpc_standin.py --home DIR   # prints "listening 127.0.0.1:PORT", then serves until killed
"""

import argparse
import base64
import json
import sys
import tempfile
from concurrent import futures
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from virtengine_protos import encryption_messages  # noqa: E402  (tests/ is put on the path just above)


def serve(home, listen):
    messages = encryption_messages(tempfile.mkdtemp(prefix="ve-protos-"))

    def records():
        for raw in json.loads((home / "keys.json").read_text()):
            yield messages.RecipientKeyRecord(
                **dict(raw, public_key=base64.b64decode(raw.get("public_key", ""))))

    def key_by_fingerprint(request, context):
        for record in records():
            if record.key_fingerprint == request.fingerprint:
                return messages.QueryKeyByFingerprintResponse(key=record)
        context.abort(grpc.StatusCode.UNKNOWN, "codespace encryption code 3: recipient key not found: key with fingerprint %s not found"
                      % request.fingerprint)

    def recipient_key(request, context):
        if not request.address.startswith("virtengine1"):
            context.abort(grpc.StatusCode.UNKNOWN, "codespace encryption code 1: invalid address: decoding bech32 failed: %s"
                          % request.address)
        return messages.QueryRecipientKeyResponse(keys=[r for r in records() if r.address == request.address])

    def method(handler, request_type, response_type):
        return grpc.unary_unary_rpc_method_handler(handler, request_deserializer=request_type.FromString,
                                                   response_serializer=response_type.SerializeToString)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("virtengine.encryption.v1.Query", {
        "KeyByFingerprint": method(key_by_fingerprint, messages.QueryKeyByFingerprintRequest, messages.QueryKeyByFingerprintResponse),
        "RecipientKey": method(recipient_key, messages.QueryRecipientKeyRequest, messages.QueryRecipientKeyResponse),
    }),))
    port = server.add_insecure_port(listen)
    server.start()
    print("listening %s:%d" % (listen.rsplit(":", 1)[0], port), flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--listen", default="127.0.0.1:0")
    arguments = parser.parse_args()
    serve(arguments.home, arguments.listen)
