import pytest

from ras.queue.backend import Backend
from ras.settings import DEFAULT_PORT, parse_settings


def test_defaults_are_local_following_the_browser_and_port_9877():
    settings = parse_settings([])
    assert (settings.host, settings.port, settings.lang, settings.share) == ("127.0.0.1", DEFAULT_PORT, "", False)
    assert DEFAULT_PORT == 9877 and settings.roles_dir.name == "roles"


def test_share_needs_auth(capsys):
    with pytest.raises(SystemExit):
        parse_settings(["--share"])
    assert "--auth" in capsys.readouterr().err
    assert parse_settings(["--share", "--auth", "me:secret"]).auth == ("me", "secret")


def test_engine_urls_repeat_and_bad_auth_is_refused():
    settings = parse_settings(["--engine-url", "http://a:9880", "--engine-url", "http://b:9880"])
    assert settings.engine_urls == ("http://a:9880", "http://b:9880")
    with pytest.raises(SystemExit):
        parse_settings(["--auth", "nopassword"])


def test_local_workers_join_api_servers_only_when_asked(tmp_path, capsys):
    gsv = ["--gsv-root", str(tmp_path)]
    assert parse_settings(gsv).local_workers == 1
    # a GPT-SoVITS root beside servers is where the weights are: no worker starts unasked
    beside = parse_settings([*gsv, "--engine-url", "http://a:9880"])
    assert beside.local_workers == 0 and Backend(beside).engine_names() == ["api1"]
    mixed = parse_settings([*gsv, "--engine-url", "http://a:9880", "--workers", "2"])
    assert Backend(mixed).engine_names() == ["api1", "worker1", "worker2"]
    with pytest.raises(SystemExit):
        parse_settings(["--engine-url", "http://a:9880", "--workers", "2"])
    assert "--gsv-root" in capsys.readouterr().err
