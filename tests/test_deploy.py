"""The systemd unit in deploy/: systemd accepts it, and it keeps the promised hardening."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "deploy" / "madoguchi.service"


def unit_options() -> dict[str, list[str]]:
    """Each `Key=value` of the unit's [Service] section (keys may repeat)."""
    options: dict[str, list[str]] = {}
    for line in (
        UNIT.read_text(encoding="utf-8").split("[Service]", 1)[1].split("[Install]")[0].splitlines()
    ):
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            options.setdefault(key.strip(), []).append(value.strip())
    return options


def test_the_unit_runs_as_its_own_user_with_hardening() -> None:
    """A dedicated user, restart on failure (not on a refusal), a private data directory."""
    options = unit_options()
    expected = {
        "User": "madoguchi",
        "Restart": "on-failure",
        "RestartPreventExitStatus": "2",
        "StateDirectoryMode": "0700",
        "UMask": "0077",
        "ProtectSystem": "strict",
        "PrivateTmp": "true",
        "NoNewPrivileges": "true",
        "ProtectHome": "true",
        "CapabilityBoundingSet": "",
    }
    assert {key: options.get(key, [None])[-1] for key in expected} == expected
    assert options["ExecStart"][0].endswith("/madoguchi run")


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` finds nothing to say (the program path is a stand-in here,
    since /opt/madoguchi exists only on the server)."""
    unit = tmp_path / UNIT.name
    program = shutil.which("true")
    assert program is not None
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace("/opt/madoguchi/.venv/bin/madoguchi", program),
        encoding="utf-8",
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0 and "Failed to" in result.stderr and "bus" in result.stderr.lower():
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
