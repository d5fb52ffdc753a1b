"""Products: name uniqueness across roles, copied references, export zip contents that reproduce the settings."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from gsv_integration.request import SynthesisRequest
from ras.library import importer, roles
from ras.products import export as product_export
from ras.products import rows as products
from ras.products import speech as product_speech
from ras.store.role_tables import Job, ParamSet, Task
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone


def make_result(ws: Workspace, role: str, tmp_path: Path, **fields) -> int:
    """A finished result of a role's clip, as the queue leaves it."""
    with ws.role_session(role) as session:
        from sqlmodel import select

        from ras.store.lookups import clip_audio_path
        from ras.store.role_tables import Clip

        clips = session.exec(select(Clip).order_by(Clip.id)).all()
        task = Task(name="t", spec_json="{}")
        session.add(task)
        session.flush()
        ps = ParamSet(task_id=task.id, params_json=json.dumps({"top_k": 7, "aux_refs": [clips[1].id]}), label="x")
        session.add(ps)
        session.flush()
        request = SynthesisRequest(
            text="Hello there.", text_lang="en", ref_audio_path=str(clip_audio_path(ws, role, clips[0])),
            prompt_text=clips[0].text, prompt_lang=clips[0].lang,
            aux_ref_audio_paths=[str(clip_audio_path(ws, role, clips[1]))], gpt_weights="/models/a.ckpt",
            sovits_weights="/models/a.pth", top_k=7, top_p=0.8, temperature=0.9, speed_factor=1.1, seed=42,
            text_split_method="cut5", **fields)
        job = Job(task_id=task.id, param_set_id=ps.id, clip_id=clips[0].id, text="Hello there.", text_lang="en",
                  status="done", request_json=request.to_json(), result_path="results/x.wav", score=4.0)
        session.add(job)
        session.commit()
        return job.id


@pytest.fixture
def setup(tmp_path):
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="成品", name="甲")
    other = roles.create_role(ws=ws, category="成品", name="乙")
    lines = []
    for i in range(2):
        write_tone(tmp_path / f"c{i}.wav", 4.0 + i, seed=i)
        lines.append(f"{tmp_path / f'c{i}.wav'}|s|en|Reference number {i} speaking.")
    (tmp_path / "c.list").write_text("\n".join(lines), encoding="utf-8")
    for name in (role, other):
        importer.import_list(ws=ws, role=name, list_path=tmp_path / "c.list")
    yield ws, role, other, make_result(ws, role, tmp_path), make_result(ws, other, tmp_path)
    ws.close()


def test_a_product_copies_its_references_and_keeps_every_parameter(setup):
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="hero", note="warm")
    found = products.list_products(ws=ws, role=role)
    assert [p["name"] for p in found] == ["hero"]
    product = found[0]
    assert Path(product["ref_audio"]).is_file() and f"products/{product_id}/" in product["ref_audio"]
    assert len(product["aux_refs"]) == 1 and Path(product["aux_refs"][0]).is_file()
    assert product["params"]["top_k"] == 7 and product["params"]["seed"] == 42
    assert product["parameters"]["speed"] == 1.1 and product["parameters"]["gpt"] == "/models/a.ckpt"
    assert (product["score"], product["note"], product["prompt_lang"]) == (4.0, "warm", "en")
    assert "path" not in product


def test_names_are_unique_across_roles_and_rename_checks_too(setup):
    ws, role, other, result_id, other_result = setup
    products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    with pytest.raises(ValueError, match="already exists"):
        products.create_product(ws=ws, role=other, result_id=other_result, name="hero")
    second = products.create_product(ws=ws, role=other, result_id=other_result, name="villain")
    assert {p["name"] for p in products.list_products(ws=ws)} == {"hero", "villain"}
    with pytest.raises(ValueError, match="already exists"):
        products.rename_product(ws=ws, role=other, product_id=second, name="hero")
    assert products.rename_product(ws=ws, role=other, product_id=second, name="villain2")["name"] == "villain2"
    products.delete_product(ws=ws, role=other, product_id=second)
    assert [p["name"] for p in products.list_products(ws=ws)] == ["hero"]
    assert not (ws.role_dir(other) / "products" / str(second)).exists()


def test_suggested_name_is_free_even_when_the_result_was_kept_before(setup):
    ws, role, _, result_id, _ = setup
    first = products.suggest_name(ws=ws, role=role, result_id=result_id)
    assert first == f"{role}-{result_id}"
    products.create_product(ws=ws, role=role, result_id=result_id, name=first)
    second = products.suggest_name(ws=ws, role=role, result_id=result_id)
    assert second == f"{role}-{result_id}-2"
    products.create_product(ws=ws, role=role, result_id=result_id, name=second)  # accepted as it is


def test_export_zip_holds_everything_and_settings_reproduce_the_request(setup):
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    zip_path = product_export.export_product(ws=ws, role=role, product_id=product_id)
    assert zip_path.is_file() and zip_path.parent == ws.role_dir(role) / "products" / str(product_id)
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        settings = json.loads(archive.read("settings.json"))
        body = json.loads(archive.read("api_v2_request.json"))
        curl = archive.read("curl.txt").decode()
        gsvi = json.loads(archive.read("gsvi/hero/infer_config.json"))
    assert {"ref.wav", "aux0.wav", "gsvi/hero/ref.wav", "README.txt"} <= names
    with ws.role_session(role) as session:
        original = session.get(Job, result_id).sent_request
    rebuilt = SynthesisRequest.from_dict({**settings["synthesis_request"], "text": original["text"],
                                          "text_lang": original["text_lang"]}).to_dict()
    for field, value in original.items():
        if field not in ("ref_audio_path", "aux_ref_audio_paths"):
            assert rebuilt[field] == value, field
    assert settings["parameters"]["top_k"] == 7 and settings["parameters"]["sovits"] == "/models/a.pth"
    assert (rebuilt["ref_audio_path"], rebuilt["aux_ref_audio_paths"]) == ("ref.wav", ["aux0.wav"])
    assert Path(body["ref_audio_path"]).is_file() and body["top_p"] == 0.8 and body["text_split_method"] == "cut5"
    assert body["prompt_text"] == original["prompt_text"] and body["media_type"] == "wav"
    assert "/set_gpt_weights?weights_path=" in curl and "/set_sovits_weights?" in curl and "/tts" in curl
    assert gsvi["gpt_path"] == "/models/a.ckpt" and gsvi["emotion_list"]["default"]["ref_wav_path"] == "ref.wav"
    assert gsvi["emotion_list"]["default"]["prompt_language"] == "英文"


class FakeRunner:
    def __init__(self):
        self.requests = []

    def synthesize_now(self, request, out_path):
        self.requests.append(request)
        write_tone(Path(out_path), 1.0)


def test_tts_by_name_builds_the_request_from_the_product(setup):
    ws, role, _, result_id, _ = setup
    products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    runner = FakeRunner()
    wav = product_speech.tts(ws=ws, runner=runner, product="hero", text="Good morning.", text_lang="en")
    assert wav.is_file() and wav.parent.name == "tts" and not list(wav.parent.glob(".*"))
    sent = runner.requests[0]
    assert (sent.text, sent.top_k, sent.seed, sent.speed_factor, sent.gpt_weights) == (
        "Good morning.", 7, 42, 1.1, "/models/a.ckpt")
    assert "/products/" in sent.ref_audio_path
    with pytest.raises(LookupError, match="nobody"):
        product_speech.tts(ws=ws, runner=runner, product="nobody", text="x", text_lang="en")
