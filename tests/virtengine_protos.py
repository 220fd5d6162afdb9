# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The encryption module's protos (tests/proto, the chain's field numbers) compiled with grpcio-tools, for tests."""

import importlib
import sys
from pathlib import Path
from types import SimpleNamespace

from grpc_tools import protoc

PROTO_ROOT = Path(__file__).parent / "proto"


def encryption_messages(out_dir):
    """Compile tests/proto into out_dir; every message class of types.proto and query.proto, by name."""
    out_dir = Path(out_dir)
    sources = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    status = protoc.main(["protoc", "-I%s" % PROTO_ROOT, "--python_out=%s" % out_dir] + sources)
    if status != 0:
        raise RuntimeError("protoc failed (%d) on %s" % (status, sources))
    if str(out_dir) not in sys.path:
        sys.path.insert(0, str(out_dir))
    modules = [importlib.import_module("virtengine.encryption.v1.%s_pb2" % name) for name in ("types", "query")]
    return SimpleNamespace(**{name: getattr(module, name) for module in modules for name in module.DESCRIPTOR.message_types_by_name})
