"""deploy/: the gunicorn settings follow the machine and the environment, and the Procfile,
systemd units and environment example name only what exists. (The functional tests in
tests/functional/test_team_*.py serve through these same gunicorn settings.)"""

from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SETTINGS = ("BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT")


def _gunicorn_settings(monkeypatch: pytest.MonkeyPatch, cores: int, **environment: str) -> dict[str, Any]:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(cores)))
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


@pytest.mark.parametrize(("cores", "workers"), [(1, 3), (2, 5), (4, 9), (16, 12)])
def test_web_workers_are_twice_the_cores_plus_one_at_most_twelve(monkeypatch, cores, workers):
    assert _gunicorn_settings(monkeypatch, cores)["workers"] == workers


def test_the_environment_sets_workers_threads_timeout_and_address(monkeypatch):
    settings = _gunicorn_settings(
        monkeypatch, 8, WEB_CONCURRENCY="3", GUNICORN_THREADS="8", GUNICORN_TIMEOUT="60", BIND="0.0.0.0:9000"
    )
    assert (settings["workers"], settings["threads"], settings["timeout"]) == (3, 8, 60)
    assert settings["bind"] == ["0.0.0.0:9000"]


def test_without_bind_it_listens_on_this_machine_only_on_port_or_8000(monkeypatch):
    assert _gunicorn_settings(monkeypatch, 2)["bind"] == ["127.0.0.1:8000"]
    assert _gunicorn_settings(monkeypatch, 2, PORT="5055")["bind"] == ["127.0.0.1:5055"]


def test_workers_are_recycled_at_staggered_times_and_the_access_log_names_the_request(monkeypatch):
    settings = _gunicorn_settings(monkeypatch, 2)
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0
    assert settings["graceful_timeout"] > 0 and settings["keepalive"] > 0
    assert "%({x-request-id}o)s" in settings["access_log_format"]
    assert not settings.get("preload_app")  # each worker opens its own database connections


def _procfile() -> dict[str, list[str]]:
    lines = [line for line in (DEPLOY / "Procfile").read_text().splitlines() if line and line[0] != "#"]
    return {name: shlex.split(command) for name, command in (line.split(":", 1) for line in lines)}


def test_the_procfile_runs_gunicorn_with_these_settings_and_the_job_worker():
    assert _procfile() == {
        "web": ["gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_web_app()"],
        "worker": ["flask", "--app", "app", "worker"],
    }


@pytest.mark.parametrize("unit", ["orderdesk-web.service", "orderdesk-worker@.service"])
def test_the_systemd_units_run_the_procfile_commands_with_the_environment_file(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    command = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.MULTILINE)[1])
    expected = _procfile()["web" if "web" in unit else "worker"]
    assert [Path(command[0]).name, *command[1:]] == expected
    assert re.search(r"^EnvironmentFile=/etc/orderdesk/orderdesk.env$", text, re.MULTILINE)
    assert re.search(r"^User=orderdesk$", text, re.MULTILINE)


def test_the_web_unit_reloads_gracefully_with_hup():
    text = (DEPLOY / "systemd" / "orderdesk-web.service").read_text()
    assert "ExecReload=/bin/kill -s HUP $MAINPID" in text


def test_the_environment_example_sets_only_known_settings_and_no_real_secret():
    example = (DEPLOY / "orderdesk.env.example").read_text()
    settings = dict(
        line.lstrip("#").split("=", 1) for line in example.splitlines() if re.match(r"#?[A-Z_]+=", line)
    )
    readers = (ROOT / "app.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ORDERDESK_STORAGE"} <= settings.keys()
    # AWS_* are the S3 client's own settings
    assert [name for name in settings if f'"{name}"' not in readers and not name.startswith("AWS_")] == []
    assert settings["SECRET_KEY"] == "CHANGE-ME"
    assert "CHANGE-ME@" in settings["DATABASE_URL"]


def test_the_web_servers_app_has_its_page_templates_compiled_before_its_first_request(monkeypatch, app):
    # (Jinja compiles a template on first use: a fresh worker's first order grid took 170 ms.)
    import app as app_module

    monkeypatch.setattr(app_module, "create_app", lambda: app)
    served = app_module.create_web_app()
    compiled = {name for _loader, name in served.jinja_env.cache.keys()}
    pages = {"orders/list.html", "orders/details.html", "admin/orderdesk_base.html", "auth/login.html"}
    assert pages <= compiled


def test_the_make_run_procfile_serves_the_web_servers_app():
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert shlex.split(web)[-1] == "app:create_web_app()"
