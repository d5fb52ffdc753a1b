"""The export zip holds everything GPT-SoVITS users need, and its settings reproduce the request."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from gsv_integration.request import SynthesisRequest
from ras.products import export as product_export
from ras.products import rows as products
from ras.store.role_tables import Job


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
