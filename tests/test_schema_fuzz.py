"""schemathesis against the app's own OpenAPI document, as its CLI runs: every check, random
generation, every phase (examples, coverage, fuzzing, stateful), writes included."""

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from liveserver import LiveServer

pytestmark = pytest.mark.server

MAX_EXAMPLES = 25  # per operation and phase: a bounded run that CI can afford on every landing

CONFIG = """
[auth.openapi.TokenAuth]
bearer = "{token}"

[auth.openapi.PasswordAuth]
username = "author"
password = "pw"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The fuzzer sends many bad credentials on purpose; it checks they get 401, not 429.
    live = LiveServer(tmp_path_factory.mktemp("fuzz"), workers=2, env={"LIVEBLOG_AUTH_FAILURES": "100000"}).start()
    live.new_session("keynote")
    live.post("keynote", "An update to patch and delete")
    yield live
    live.close()


def test_schemathesis_finds_no_failure_with_every_check(server, tmp_path):
    seed = int(os.environ.get("LIVEBLOG_FUZZ_SEED") or random.randrange(2**31))
    print(f"\nschemathesis seed {seed}: LIVEBLOG_FUZZ_SEED={seed} pytest tests/test_schema_fuzz.py repeats this run")
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(token=server.token))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{server.url}/api/openapi.json",
            "--checks",
            "all",
            "--mode",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(seed),
            "--request-timeout",
            "30",
            "--output-sanitize",
            "false",
            # A schedule.json nests four deep (conference, days, rooms, events): some seeds draw
            # documents larger than Hypothesis's size check allows. That is the generator's limit.
            "--suppress-health-check",
            "data_too_large",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks", "PYTHONPATH": str(Path(__file__).parent)},
    )
    summary = run.stdout[run.stdout.find("SUMMARY") :]
    print(summary)
    assert run.returncode == 0, run.stdout[-8000:]
    cases = re.search(r"(\d+) generated", summary)
    assert cases and int(cases[1]) >= 200, summary  # it really ran
    assert "Warnings:" not in summary, summary  # e.g. every call refused for want of credentials
