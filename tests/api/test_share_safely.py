"""A shared RAS (--share, which needs --auth): no endpoint answers a client without the login, and
requests cannot make it read files outside the folders the host exposes unless --allow-server-paths."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.fixtures.app import launch_app, write_tone

pytestmark = pytest.mark.slow

LOGIN = ("friend", "s3cret-pass")


def shared_app(folder, *extra):
    # Without internet the public link fails with a warning and the app serves locally.
    return launch_app(folder, "--share", "--auth", ":".join(LOGIN), *extra)


def logged_in(app):
    from gradio_client import Client

    return Client(app.url, auth=LOGIN, verbose=False)


def answers_without_login(url: str) -> int:
    request = urllib.request.Request(url, data=b'{"data": []}', headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def outside_files(folder):
    """A .list and its audio in a folder the host never exposed."""
    write_tone(folder / "private" / "voice.wav", 4.0, seed=11)
    listing = folder / "private" / "voice.list"
    listing.write_text(f"{folder / 'private' / 'voice.wav'}|s|en|a private recording\n", encoding="utf-8")
    return listing


def test_a_shared_app_refuses_strangers_and_server_paths(tmp_path):
    from gradio_client import Client, handle_file

    listing = outside_files(tmp_path)
    # an engine address is enough for weights to be looked up; no job runs here
    app = shared_app(tmp_path, "--engine-url", "http://127.0.0.1:9")
    try:
        with pytest.raises(ValueError):  # gradio_client's AuthenticationError is a ValueError
            Client(app.url, verbose=False)  # no login: not even the API description
        client = logged_in(app)
        endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        assert len(endpoints) >= 30
        for name in endpoints:
            assert answers_without_login(f"{app.url}gradio_api/call{name}") in (401, 403), name
        role = client.predict("分享", "朋友", api_name="/create_role")["role"]

        with pytest.raises(Exception, match="outside the folders this shared RAS may read.*--allow-server-paths"):
            client.predict(role, str(listing), True, api_name="/import_list")
        # an uploaded list is read, but the audio it names on the host is not
        report = client.predict(role, handle_file(str(listing)), True, api_name="/import_list")
        assert report["imported"] == 0
        assert "outside the folders this shared RAS may read" in report["errors"][0]["reason"]
        with pytest.raises(Exception, match="outside the folders"):
            client.predict(str(tmp_path / "private" / "voice.wav"), "hi", "en", api_name="/analyze_audio")
        analysed = client.predict(handle_file(str(tmp_path / "private" / "voice.wav")), "hello", "en",
                                  api_name="/analyze_audio")
        assert "metrics" in analysed
        private_weights = tmp_path / "private" / "model.ckpt"
        private_weights.write_bytes(b"host file")
        with pytest.raises(Exception, match="gpt weights file .* outside the folders"):
            client.predict(role, {"clip_ids": [1], "text_ids": [1], "base": {"gpt": str(private_weights)}},
                           api_name="/create_task")
        assert client.predict(role, api_name="/list_clips")["clips"] == []
    finally:
        app.stop()
    assert "Could not create share link" in app.log() or "public URL" in app.log()


def test_allow_server_paths_lets_a_shared_app_import_from_the_host(tmp_path):
    listing = outside_files(tmp_path)
    app = shared_app(tmp_path, "--allow-server-paths")
    try:
        client = logged_in(app)
        role = client.predict("分享", "主机", api_name="/create_role")["role"]
        assert client.predict(role, str(listing), True, api_name="/import_list")["imported"] == 1
    finally:
        app.stop()
