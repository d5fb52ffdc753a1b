"""Build a tiny random-weight GPT-SoVITS data root for tests and trying RAS.

Run with the GPT-SoVITS runtime's python (it needs torch and GPT-SoVITS):
    .venv-gsv/bin/python scripts/make_tiny_gsv.py OUT_DIR [--v2pro]

OUT_DIR gets what a GPT-SoVITS folder holds, at the paths GPT-SoVITS uses by
default, so no extra flags are needed:
    GPT_weights_v2/tiny_a.ckpt, tiny_b.ckpt          (different seeds)
    SoVITS_weights_v2/tiny_a.pth, tiny_b.pth         (v2, header b"01")
    SoVITS_weights_v2Pro/tiny_pro.pth + sv model     (--v2pro; header b"05")
    GPT_SoVITS/pretrained_models/chinese-roberta-wwm-ext-large, chinese-hubert-base
    GPT_SoVITS/configs/tts_infer.yaml                (for api_v2.py)
The models are built with GPT-SoVITS's own classes and random weights: they
speak noise, fast (about a second per sentence on a CPU). Idempotent: files
already there are kept; each file is written to a temp name and renamed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

BERT_REL = "GPT_SoVITS/pretrained_models/chinese-roberta-wwm-ext-large"
HUBERT_REL = "GPT_SoVITS/pretrained_models/chinese-hubert-base"
SV_REL = "GPT_SoVITS/pretrained_models/sv/pretrained_eres2netv2w24s4ep4.ckpt"
CONFIG_REL = "GPT_SoVITS/configs/tts_infer.yaml"
MODEL_SEEDS = {"tiny_a": 1, "tiny_b": 2}
SOVITS_TAGS = {"v2": b"01", "v2Pro": b"05"}

# BERT hidden 1024 is wired into GPT-SoVITS (bert_proj); >= 3 layers because
# features come from hidden_states[-3].
BERT_CONFIG = dict(
    architectures=["BertForMaskedLM"], model_type="bert", vocab_size=21128, hidden_size=1024,
    num_hidden_layers=3, num_attention_heads=4, intermediate_size=64, hidden_act="gelu",
    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, max_position_embeddings=512,
    type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0,
)
GPT_CONFIG = {
    "model": {"vocab_size": 1025, "phoneme_vocab_size": 732, "embedding_dim": 64, "hidden_dim": 64,
              "head": 2, "linear_units": 256, "n_layer": 2, "dropout": 0, "EOS": 1024,
              "random_bert": 0},
    # A random GPT never emits EOS: max_sec 2 stops it after 100 tokens (~4 s).
    "data": {"max_sec": 2, "pad_val": 1024, "max_eval_sample": 8, "num_workers": 0},
    "train": {"seed": 1234, "epochs": 1, "batch_size": 1, "precision": 32},
}


def sovits_hparams(version: str) -> dict:
    # inter/hidden 192 and gin 512 are fixed by MRTE; prod(upsample_rates) == hop 640.
    model = {"inter_channels": 192, "hidden_channels": 192, "filter_channels": 64, "n_heads": 2,
             "n_layers": 2, "kernel_size": 3, "p_dropout": 0.0, "resblock": "1",
             "resblock_kernel_sizes": [3], "resblock_dilation_sizes": [[1, 3, 5]],
             "upsample_rates": [10, 8, 2, 2, 2], "upsample_initial_channel": 64,
             "upsample_kernel_sizes": [16, 16, 4, 4, 4], "n_layers_q": 3,
             "use_spectral_norm": False, "gin_channels": 512, "semantic_frame_rate": "25hz",
             "freeze_quantizer": True, "version": version}
    data = {"max_wav_value": 32768.0, "sampling_rate": 32000, "filter_length": 2048,
            "hop_length": 640, "win_length": 2048, "n_mel_channels": 128, "mel_fmin": 0.0,
            "mel_fmax": None, "add_blank": True, "n_speakers": 300, "cleaned_text": True}
    return {"train": {"segment_size": 20480, "fp16_run": False}, "data": data, "model": model,
            "s2_ckpt_dir": "", "content_module": "cnhubert", "save_weight_dir": "", "name": "tiny"}


def use_gsv_code(out: Path) -> Path:
    """Put the installed GPT-SoVITS code on sys.path like its launchers do."""
    import gpt_sovits_cpufast

    code_root = Path(gpt_sovits_cpufast.__file__).resolve().parent.parent
    for path in (code_root / "GPT_SoVITS", code_root):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ["GPT_SOVITS_DATA_DIR"] = str(out)
    os.chdir(out)
    return code_root


def write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def torch_save_to(obj, *, header: bytes | None = None):
    import torch

    def write(tmp: Path) -> None:
        buffer = BytesIO()
        torch.save(obj, buffer)
        data = buffer.getvalue()
        # GPT-SoVITS's my_save2: the zip's "PK" replaced by a version tag.
        tmp.write_bytes(header + data[2:] if header else data)
    return write


def build_bert(out: Path, code_root: Path) -> None:
    folder = out / BERT_REL
    if (folder / "pytorch_model.bin").exists():
        return
    import torch
    from text.chinese_bert import BertForMaskedLM

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(code_root / BERT_REL / "tokenizer.json", folder)  # ships in the wheel
    (folder / "config.json").write_text(json.dumps(BERT_CONFIG, indent=1))
    torch.manual_seed(0)
    state = {k: v.half() for k, v in BertForMaskedLM(SimpleNamespace(**BERT_CONFIG)).state_dict().items()}
    # Tie the MLM decoder to the embeddings: saved once, 116 MB -> 73 MB.
    state["cls.predictions.decoder.weight"] = state["bert.embeddings.word_embeddings.weight"]
    write_atomic(folder / "pytorch_model.bin", torch_save_to(state))


def build_hubert(out: Path, code_root: Path) -> None:
    folder = out / HUBERT_REL
    if (folder / "pytorch_model.bin").exists():
        return
    import torch
    from feature_extractor.cnhubert import HubertInferenceModel, _load_config

    folder.mkdir(parents=True, exist_ok=True)
    source = code_root / HUBERT_REL
    shutil.copy(source / "preprocessor_config.json", folder)
    config = json.loads((source / "config.json").read_text())
    config.update(conv_dim=[32] * 7, num_hidden_layers=1, intermediate_size=64,
                  num_conv_pos_embeddings=16, hidden_dropout=0.0, attention_dropout=0.0,
                  activation_dropout=0.0, feat_proj_dropout=0.0, layerdrop=0.0)
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    torch.manual_seed(0)
    model = HubertInferenceModel(_load_config(str(folder)))
    write_atomic(folder / "pytorch_model.bin", torch_save_to(model.state_dict()))


def build_gpt(path: Path, seed: int) -> None:
    if path.exists():
        return
    import AR.models.t2s_model as t2s_model
    import torch
    from AR.models.t2s_lightning_module import Text2SemanticLightningModule

    # Building the training head imports torchmetrics, a training-only package.
    t2s_model._build_multiclass_accuracy_for_training = lambda *a, **k: None
    torch.manual_seed(seed)
    module = Text2SemanticLightningModule(GPT_CONFIG, "****", is_train=False)
    checkpoint = {"weight": module.state_dict(), "config": GPT_CONFIG, "info": "GPT-e1"}
    write_atomic(path, torch_save_to(checkpoint))


def build_sovits(path: Path, seed: int, version: str) -> None:
    if path.exists():
        return
    import torch
    from module.models import SynthesizerTrn

    hps = sovits_hparams(version)
    torch.manual_seed(seed)
    net = SynthesizerTrn(2048 // 2 + 1, 20480 // 640, n_speakers=300, **hps["model"])
    weight = {k: v.half() for k, v in net.state_dict().items() if "enc_q" not in k}
    for key in weight:
        # Trained codebooks are initialised; a random one would run k-means
        # (needing torch.distributed) on first use.
        if key.endswith("_codebook.inited"):
            weight[key] = torch.ones_like(weight[key])
    checkpoint = {"weight": weight, "config": hps, "info": f"tiny seed {seed}"}
    write_atomic(path, torch_save_to(checkpoint, header=SOVITS_TAGS[version]))


def build_sv_model(out: Path, code_root: Path) -> None:
    path = out / SV_REL
    if path.exists():
        return
    import torch

    sys.path.insert(0, str(code_root / "GPT_SoVITS" / "eres2net"))
    from ERes2NetV2 import ERes2NetV2

    torch.manual_seed(0)  # architecture fixed by GPT-SoVITS's sv.SV
    model = ERes2NetV2(baseWidth=24, scale=4, expansion=4)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    write_atomic(path, torch_save_to(state))


def write_tts_config(out: Path) -> None:
    """GPT-SoVITS's tts_infer.yaml pointing at tiny_a, for api_v2.py -c."""
    import yaml

    custom = {"device": "cpu", "is_half": False, "version": "v2",
              "t2s_weights_path": "GPT_weights_v2/tiny_a.ckpt",
              "vits_weights_path": "SoVITS_weights_v2/tiny_a.pth",
              "bert_base_path": BERT_REL, "cnhuhbert_base_path": HUBERT_REL}
    write_atomic(out / CONFIG_REL, lambda tmp: tmp.write_text(yaml.safe_dump({"custom": custom})))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", help="folder to create (a GPT-SoVITS data root)")
    parser.add_argument("--v2pro", action="store_true",
                        help="also build a v2Pro SoVITS and its speaker model (+107 MB)")
    args = parser.parse_args(argv)
    out = Path(args.out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    code_root = use_gsv_code(out)
    import torch

    torch.set_num_threads(min(4, os.cpu_count() or 1))
    build_bert(out, code_root)
    build_hubert(out, code_root)
    for name, seed in MODEL_SEEDS.items():
        build_gpt(out / "GPT_weights_v2" / f"{name}.ckpt", seed)
        build_sovits(out / "SoVITS_weights_v2" / f"{name}.pth", seed, "v2")
    if args.v2pro:
        build_sv_model(out, code_root)
        build_sovits(out / "SoVITS_weights_v2Pro" / "tiny_pro.pth", 3, "v2Pro")
    write_tts_config(out)
    print(f"tiny GPT-SoVITS root ready in {time.perf_counter() - started:.1f} s: {out}")
    print(f"try RAS with it:\n  python webui_ras.py --gsv-root {out} --gsv-python {sys.executable}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
