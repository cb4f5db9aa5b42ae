"""The seed loader's bounds: YAML aliases (a "billion laughs" bomb), deep nesting and oversized
files are refused before they cost memory, with the file and line, exit 1, nothing written."""

import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO
from test_seed_errors import assert_nothing_written, run_seed

from tracker.importer.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_TOTAL_BYTES

MIB = 1024 * 1024


@pytest.fixture
def seed_root(app, tmp_path):
    root = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DATA_DIR"], root)
    return root


def billion_laughs() -> str:
    """Nine levels of nine aliases: 9**9 strings once expanded, a few hundred bytes here."""
    lines = ['- a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append("- {iso3: *i, name_es: Belice, name_en: Belize}")
    return "\n".join(lines) + "\n"


# Runs a command under an address-space cap and prints its exit code and peak memory. A
# process's peak counts the memory of the one it was forked from (the kernel takes it at exec):
# forked from a pytest worker that has loaded half the suite, `flask seed` would be charged
# hundreds of MB it never used. Forked from this small launcher instead, it is charged its own.
LAUNCHER = """
import os, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
with open(sys.argv[2], "w") as out:
    proc = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def test_a_billion_laughs_bomb_is_refused_at_once_in_little_memory(seed_root, tmp_path):
    # Today's loader, asked this, grew to gigabytes: run `flask seed` in its own process under
    # an address-space cap, and read that process's own peak memory from the kernel.
    (seed_root / "countries.yaml").write_text(billion_laughs(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_CONFIG")}
    env["TRACKER_INSTANCE_PATH"] = str(tmp_path / "instance")
    output = tmp_path / "seed.out"
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(1536 * MIB), str(output), sys.executable, "-m",
         "flask", "--app", "tracker", "seed", "--path", str(seed_root)],
        cwd=REPO, env=env, capture_output=True, text=True, check=True)
    code, peak_kib = map(int, launched.stdout.split())
    text = output.read_text()
    assert code == 1, text
    assert "countries.yaml:2: alias *a refused: seed files may not use YAML anchors" in text
    assert "Traceback" not in text and "MemoryError" not in text
    assert peak_kib * 1024 < 400 * MIB  # the app itself needs about 150 MiB


def test_an_alias_is_refused_with_its_line(runner, seed_root):
    path = seed_root / "themes.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name_es: Niñez, name_en: Children}",
                                 "name_es: &kids Niñez, name_en: *kids}"), encoding="utf-8")
    result = run_seed(runner, seed_root)
    assert result.exit_code == 1
    assert "themes.yaml:3: alias *kids refused" in result.output
    assert_nothing_written()


def test_deep_nesting_is_refused_not_a_recursion_error(runner, seed_root):
    (seed_root / "countries.yaml").write_text("- " + "[" * 5000 + "]" * 5000 + "\n")
    result = run_seed(runner, seed_root)
    assert result.exit_code == 1, result.output
    assert f"countries.yaml:1: nested more than {MAX_DEPTH} levels deep" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert_nothing_written()


def test_an_oversized_yaml_file_is_refused_unparsed(runner, seed_root):
    path = seed_root / "countries.yaml"
    # Past the limit, and malformed: a loader that parsed it would say so.
    with path.open("a") as file:
        file.write("- {iso3: [\n")
        file.truncate(MAX_FILE_BYTES + 1)
    result = run_seed(runner, seed_root)
    assert result.exit_code == 1
    assert "countries.yaml: the file is larger than 5.0 MiB, the most the loader reads" \
        in result.output
    assert "malformed" not in result.output
    assert_nothing_written()


def test_an_oversized_set_of_minutes_is_refused(runner, seed_root):
    with (seed_root / "sources/trafficking-working-group.txt").open("a") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    result = run_seed(runner, seed_root)
    assert result.exit_code == 1
    assert "sources/trafficking-working-group.txt: the file is larger than 5.0 MiB" \
        in result.output
    assert_nothing_written()


def test_an_oversized_directory_is_refused_before_any_parsing(runner, seed_root):
    (seed_root / "countries.yaml").write_text("- {iso3: [\n")  # never read
    with (seed_root / "sources/extra.txt").open("w") as file:  # sparse: no disk used
        file.truncate(MAX_TOTAL_BYTES + 3 * MIB)
    result = run_seed(runner, seed_root)
    assert result.exit_code == 1
    assert "the seed directory holds 23.0 MiB, more than the 20.0 MiB the loader reads" \
        in result.output
    assert "malformed" not in result.output and "countries.yaml" not in result.output
    assert_nothing_written()
