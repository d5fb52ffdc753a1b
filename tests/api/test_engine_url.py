"""RAS driving a running GPT-SoVITS api_v2 server (--engine-url) instead of a local worker."""
from __future__ import annotations

import pytest

from tests.fixtures.app import launch_app, wait_for
from tests.fixtures.gsv import make_ref_wav

pytestmark = [pytest.mark.gsv, pytest.mark.slow]


def test_a_task_runs_through_api_v2(tmp_path, api_url, tiny_gsv, gsv_worker_env):
    app = launch_app(tmp_path, "--engine-url", api_url, "--weights-dir", str(tiny_gsv.root),
                     env_extra=gsv_worker_env)
    try:
        client = app.client()
        sentence = "The api server speaks with this reference voice."
        make_ref_wav(tmp_path / "ref.wav", sentence, speed=130)
        (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|en|{sentence}", encoding="utf-8")
        role = client.predict("接口", "服务", api_name="/create_role")["role"]
        client.predict(role, str(tmp_path / "r.list"), True, api_name="/import_list")
        models = client.predict(api_name="/list_models")
        assert len(models["gpt"]) == 2 and len(models["sovits"]) == 2
        text_id = client.predict("Hello from the server.", "en", "", api_name="/add_text")["id"]
        spec = {"clip_ids": [1], "text_ids": [text_id], "vary": {"sovits": [m["name"] for m in models["sovits"]]},
                "base": {"gpt": models["gpt"][0]["name"], "seed": 4}}
        task_id = client.predict(role, spec, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        status = wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["done"]
                          + s["failed"] == 2 and s, timeout=240, what="two jobs over HTTP")
        assert status["done"] == 2, status
        found = client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"]
        assert {r["params"]["sovits_weights"].rsplit("/", 1)[-1] for r in found} == {"tiny_a.pth", "tiny_b.pth"}
        assert all(r["duration"] > 0.2 for r in found)
    finally:
        app.stop()
