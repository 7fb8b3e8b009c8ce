# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``python -m emulator --info-file /tmp/emu.json`` (run with tests/ on sys.path)."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import sys
import tempfile
import threading
from pathlib import Path

from .server import Emulator
from .state import Identity

LOOPBACK = ("127.0.0.1", "localhost")


def parse_args(argv=None) -> argparse.Namespace:
    """CLI options."""
    parser = argparse.ArgumentParser(prog="emulator", description=__doc__)
    parser.add_argument("--info-file", required=True, help="JSON file written atomically once listening")
    parser.add_argument("--ca-file", help="where to write the CA PEM (default: <info-file stem>.ca.pem beside it)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port, 0 = any free port")
    parser.add_argument("--replication-delay", type=float, default=5.0, help="seconds before a new principal is visible to ARM")
    parser.add_argument("--page-size", type=int, default=50, help="items per ARM list page")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every non-admin request")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="access token lifetime in seconds")
    parser.add_argument("--tenant-id", help="tenant GUID (default: random)")
    parser.add_argument("--subscription-id", help="subscription GUID (default: random)")
    parser.add_argument("--client-id", help="seeded client application id (default: random)")
    parser.add_argument("--client-secret", help="seeded client secret (default: random)")
    parser.add_argument("--organization", default="emulator-org", help="Azure DevOps organization name")
    parser.add_argument("--project", default="emulator-project", help="Azure DevOps project name")
    parser.add_argument("--resource-group", default="rg-emulator", help="seeded resource group name")
    parser.add_argument("--location", default="eastus", help="location of the seeded resource group")
    parser.add_argument("--state-file", help="keep the emulated objects here across runs (loaded at start if present, "
                                             "saved at stop); ids, tenant and client secret stay the same")
    parser.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        parser.error("--host must be a loopback address")
    return args


def write_atomic(path: Path, data: dict) -> None:
    """Write JSON via a temporary file in the same directory, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=str(path.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def load_state(path: str | None):
    """The State saved by an earlier run, or None. The file is the emulator's own (a local test fixture)."""
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return pickle.load(handle)


def save_state(path: str | None, state) -> None:
    if not path:
        return
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=str(target.parent))
    with state.lock, os.fdopen(fd, "wb") as handle:
        pickle.dump(state, handle)
    os.replace(tmp, target)


def main(argv=None) -> int:
    """Start, write the info file, serve until SIGTERM/SIGINT."""
    args = parse_args(argv)
    identity = Identity.create(tenant_id=args.tenant_id, subscription_id=args.subscription_id,
                               client_id=args.client_id, client_secret=args.client_secret,
                               resource_group=args.resource_group, location=args.location)
    config = {"replication_delay": args.replication_delay, "page_size": args.page_size, "latency": args.latency,
              "token_lifetime": args.token_lifetime}
    emulator = Emulator(args.host, args.port, identity, config, verbose=args.verbose,
                        organization=args.organization, project=args.project, state=load_state(args.state_file))
    info_path = Path(args.info_file).resolve()
    ca_path = Path(args.ca_file).resolve() if args.ca_file else info_path.with_name(info_path.stem + ".ca.pem")
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    emulator.write_ca(str(ca_path))
    stop = threading.Event()

    def _on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    emulator.start()
    info = emulator.info(str(ca_path))
    info["pid"] = os.getpid()
    emulator.info_data = info
    write_atomic(info_path, info)
    print(f"emulator listening on {emulator.base_url} (info: {info_path})", file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        pass
    emulator.stop()
    save_state(args.state_file, emulator.state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
