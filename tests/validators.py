"""The standard validators of the published formats, as the tests run them.

The npm ones (Nu HTML Checker, Spectral) are installed by `make validators` into
tools/validators/node_modules; the Nu checker needs Java. Without them a test fails in CI
and is skipped, with the reason printed, on a developer's machine.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_MODULES = Path(__file__).resolve().parent.parent / "tools" / "validators" / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SPECTRAL = NODE_MODULES / ".bin" / "spectral"


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but a validator cannot run: {reason}", pytrace=False)
    pytest.skip(f"{reason} (run `make validators`)")


def vnu_messages(paths: list[Path]) -> list[dict]:
    """The Nu HTML Checker's errors and warnings over those files, as its JSON gives them
    (each with its "url", "type", "message", "lastLine" and "extract")."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        missing("the Nu HTML Checker needs java and tools/validators' vnu.jar")
    done = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", "--also-check-svg",
                           *map(str, paths)], capture_output=True, text=True, timeout=600)
    # The checker writes its report to stderr and exits 1 when it found any message.
    return json.loads(done.stderr or '{"messages": []}')["messages"]


def spectral_lint(document: Path, ruleset: Path) -> list[dict]:
    """Spectral's findings over an OpenAPI document (errors, warnings, infos and hints)."""
    if shutil.which("node") is None or not SPECTRAL.exists():
        missing("Spectral needs node and tools/validators' spectral")
    done = subprocess.run([str(SPECTRAL), "lint", "--format", "json", "--quiet",
                           "--ruleset", str(ruleset), str(document)],
                          capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout or "[]")
