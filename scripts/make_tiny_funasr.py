"""Build tiny random-weight FunASR models for tests and for trying RAS without a download.

Run with RAS's python (it needs funasr, torch and sentencepiece):
    .venv/bin/python scripts/make_tiny_funasr.py [--gsv-root DIR] [--modelscope-cache DIR] [--flat DIR]

Each model folder holds the files its real counterpart on ModelScope holds and
that FunASR reads (model.pt, config.yaml, configuration.json, am.mvn, and the
token list or sentencepiece model), so `funasr.AutoModel(model=FOLDER,
disable_update=True)` loads it offline like the real one:
    paraformer   speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch (Chinese)
    sensevoice   SenseVoiceSmall (zh, yue, ja, ko, en; tags like <|zh|><|NEUTRAL|> in its output)
    emotion2vec  emotion2vec_plus_base (9 emotion classes)
The models are FunASR's own classes with tiny dimensions and random weights:
they hear nothing and write noise text, in milliseconds.

Layouts:
    --gsv-root DIR          DIR/tools/asr/models/<name> (where GPT-SoVITS keeps the Chinese model)
    --modelscope-cache DIR  DIR/models/iic/<name> (ModelScope's cache; MODELSCOPE_CACHE)
    --flat DIR              DIR/<name>
Idempotent: a folder already complete is kept; each is built beside its place and renamed.
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

PARAFORMER = "speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch"
SENSEVOICE = "SenseVoiceSmall"
EMOTION2VEC = "emotion2vec_plus_base"
MODELSCOPE_ORG = "iic"
SENSEVOICE_BPE = "chn_jpn_yue_eng_ko_spectok.bpe.model"
SEED = 1234

# Filter-bank features: 80 mel bins stacked 7 frames at a time (LFR 7/6), as the real models read them.
MEL_BINS, LFR_M, LFR_N = 80, 7, 6
FEATURE_DIM = MEL_BINS * LFR_M
FRONTEND_CONF = {"fs": 16000, "window": "hamming", "n_mels": MEL_BINS, "frame_length": 25, "frame_shift": 10,
                 "lfr_m": LFR_M, "lfr_n": LFR_N}
# A few hundred frequent characters: the random model writes text a Chinese reader recognises as noise.
CHINESE_CHARS = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可"
                 "里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已"
                 "老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力"
                 "机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军"
                 "产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常"
                 "今天气很好我们去公园散步吧")
SENSEVOICE_TAGS = ["<|zh|>", "<|en|>", "<|yue|>", "<|ja|>", "<|ko|>", "<|nospeech|>", "<|NEUTRAL|>", "<|HAPPY|>",
                   "<|SAD|>", "<|ANGRY|>", "<|Speech|>", "<|BGM|>", "<|woitn|>", "<|withitn|>"]
EMOTIONS = ["生气/angry", "厌恶/disgusted", "恐惧/fearful", "开心/happy", "中立/neutral", "其他/other", "难过/sad",
            "吃惊/surprised", "<unk>"]


def configuration_json(model_id: str, task: str, file_path_metas: dict) -> dict:
    """What ModelScope ships beside the weights: FunASR reads file_path_metas to find each file."""
    return {"framework": "pytorch", "task": task, "model": {"type": "funasr"},
            "pipeline": {"type": "funasr-pipeline"},
            "model_name_in_hub": {"ms": f"{MODELSCOPE_ORG}/{model_id}", "hf": ""},
            "file_path_metas": file_path_metas}


def am_mvn(dim: int) -> str:
    """Kaldi nnet CMVN in the layout FunASR's WavFrontend parses: shift by a typical log-mel mean, scale to
    unit-ish variance (values of the order of the real files' so features keep their range)."""
    shift = " ".join(["-12.0"] * dim)
    scale = " ".join(["0.15"] * dim)
    return (f"<Nnet> \n<Splice> {dim} {dim}\n[ 0 ]\n<AddShift> {dim} {dim} \n<LearnRateCoef> 0 [ {shift} ]\n"
            f"<Rescale> {dim} {dim}\n<LearnRateCoef> 0 [ {scale} ]\n</Nnet> \n")


def paraformer_config() -> dict:
    width = 32
    return {
        "model": "Paraformer",
        "model_conf": {"ctc_weight": 0.0, "lsm_weight": 0.1, "length_normalized_loss": True,
                       "predictor_weight": 1.0, "predictor_bias": 1, "sampling_ratio": 0.75},
        "encoder": "SANMEncoder",
        "encoder_conf": {"output_size": width, "attention_heads": 2, "linear_units": 64, "num_blocks": 2,
                         "dropout_rate": 0.0, "positional_dropout_rate": 0.0, "attention_dropout_rate": 0.0,
                         "input_layer": "pe", "pos_enc_class": "SinusoidalPositionEncoder",
                         "normalize_before": True, "kernel_size": 11, "sanm_shfit": 0,
                         "selfattention_layer_type": "sanm"},
        "decoder": "ParaformerSANMDecoder",
        "decoder_conf": {"attention_heads": 2, "linear_units": 64, "num_blocks": 1, "dropout_rate": 0.0,
                         "positional_dropout_rate": 0.0, "self_attention_dropout_rate": 0.0,
                         "src_attention_dropout_rate": 0.0, "att_layer_num": 1, "kernel_size": 11,
                         "sanm_shfit": 0},
        "predictor": "CifPredictorV2",
        "predictor_conf": {"idim": width, "threshold": 1.0, "l_order": 1, "r_order": 1, "tail_threshold": 0.45},
        "frontend": "WavFrontend",
        "frontend_conf": dict(FRONTEND_CONF),
        "tokenizer": "CharTokenizer",
        "tokenizer_conf": {"unk_symbol": "<unk>", "split_with_space": True},
        "ctc_conf": {"dropout_rate": 0.0, "ctc_type": "builtin", "reduce": True, "ignore_nan_grad": True},
        "normalize": None,
    }


def sensevoice_config() -> dict:
    return {
        "encoder": "SenseVoiceEncoderSmall",
        "encoder_conf": {"output_size": 32, "attention_heads": 2, "linear_units": 64, "num_blocks": 2,
                         "tp_blocks": 1, "dropout_rate": 0.0, "positional_dropout_rate": 0.0,
                         "attention_dropout_rate": 0.0, "input_layer": "pe",
                         "pos_enc_class": "SinusoidalPositionEncoder", "normalize_before": True,
                         "kernel_size": 11, "sanm_shfit": 0, "selfattention_layer_type": "sanm"},
        "model": "SenseVoiceSmall",
        "model_conf": {"length_normalized_loss": True, "sos": 1, "eos": 2, "ignore_id": -1},
        "tokenizer": "SentencepiecesTokenizer",
        "tokenizer_conf": {"bpemodel": None, "unk_symbol": "<unk>", "split_with_space": True},
        "frontend": "WavFrontend",
        "frontend_conf": {**FRONTEND_CONF, "cmvn_file": None},
    }


def emotion2vec_config() -> dict:
    """emotion2vec (data2vec 2.0 audio): a strided conv feature encoder, a conv positional encoder, one
    prenet block and one main block; every size shrunk, the structure kept."""
    width = 32
    audio = {
        "type": "AUDIO", "prenet_depth": 1, "prenet_layerdrop": 0.0, "prenet_dropout": 0.0,
        "start_drop_path_rate": 0.0, "end_drop_path_rate": 0.0, "num_extra_tokens": 1,
        "init_extra_token_zero": False, "mask_noise_std": 0.01, "mask_prob_min": None, "mask_prob": 0.5,
        "inverse_mask": True, "mask_prob_adjust": 0.05, "keep_masked_pct": 0.0, "mask_length": 5,
        "add_masks": False, "remove_masks": False, "mask_dropout": 0.0, "encoder_zero_mask": True,
        "mask_channel_prob": 0.0, "mask_channel_length": 64, "ema_local_encoder": False, "local_grad_mult": 1.0,
        "use_alibi_encoder": True, "alibi_scale": 1.0, "learned_alibi": False, "alibi_max_pos": None,
        "learned_alibi_scale": True, "learned_alibi_scale_per_head": True, "learned_alibi_scale_per_layer": False,
        "num_alibi_heads": 2, "model_depth": 1, "decoder": None, "extractor_mode": "layer_norm",
        # the real model's 320-sample stride (20 ms frames at 16 kHz), with 32 channels instead of 512
        "feature_encoder_spec": "[(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] + [(32, 2, 2)]",
        "conv_pos_width": 8, "conv_pos_groups": 2, "conv_pos_depth": 2, "conv_pos_pre_ln": False,
    }
    return {
        "model": "Emotion2vec",
        "model_conf": {
            "loss_beta": 0.0, "loss_scale": None, "depth": 1, "start_drop_path_rate": 0.0,
            "end_drop_path_rate": 0.0, "num_heads": 2, "norm_eps": 1e-05, "norm_affine": True,
            "encoder_dropout": 0.0, "post_mlp_drop": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0,
            "dropout_input": 0.0, "layerdrop": 0.0, "embed_dim": width, "mlp_ratio": 2.0,
            "layer_norm_first": False, "average_top_k_layers": 1, "end_of_block_targets": False,
            "clone_batch": 1, "layer_norm_target_layer": False, "batch_norm_target_layer": False,
            "instance_norm_target_layer": True, "instance_norm_targets": False, "layer_norm_targets": False,
            "ema_decay": 0.999, "ema_same_dtype": True, "log_norms": True, "ema_end_decay": 0.99999,
            "ema_anneal_end_step": 20000, "ema_encoder_only": False, "max_update": 100000,
            "extractor_mode": "layer_norm", "shared_decoder": None, "min_target_var": 0.1, "min_pred_var": 0.01,
            "supported_modality": "AUDIO", "mae_init": False, "seed": 1, "skip_ema": False, "cls_loss": 1.0,
            "recon_loss": 0.0, "d2v_loss": 1.0, "decoder_group": False, "normalize": True,
            "modalities": {"audio": audio},
        },
        "tokenizer": "CharTokenizer",
        "tokenizer_conf": {"unk_symbol": "<unk>", "split_with_space": True},
    }


def sentencepiece_model() -> bytes:
    """A small BPE model over Chinese, English, Japanese and Korean text, with SenseVoice's tags as whole
    pieces (the real model writes them before the text)."""
    import sentencepiece as spm

    corpus = [CHINESE_CHARS[i:i + 12] for i in range(0, len(CHINESE_CHARS), 12)]
    corpus += ["the quick brown fox jumps over the lazy dog", "hello world this is a test of speech",
               "こんにちは世界、今日はいい天気です", "안녕하세요 오늘 날씨가 좋네요"]
    model = BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus * 3), model_writer=model, vocab_size=400, model_type="bpe",
        character_coverage=1.0, user_defined_symbols=SENSEVOICE_TAGS, hard_vocab_limit=False,
        num_threads=1, minloglevel=2)
    return model.getvalue()


def write_yaml(path: Path, data: dict) -> None:
    import yaml

    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def save_weights(folder: Path, config: dict, files: dict) -> None:
    """Build the model with FunASR's own registry (as AutoModel does) and save its random weights.
    files maps config sections to the folder's files, as configuration.json's file_path_metas does."""
    import torch
    from funasr.auto.auto_model import AutoModel

    kwargs = {**config, "device": "cpu", "seed": SEED}
    for section, entries in files.items():
        kwargs[section] = {**config.get(section, {}), **{k: str(folder / v) for k, v in entries.items()}}
    model, _ = AutoModel.build_model(**kwargs)
    torch.save(model.state_dict(), folder / "model.pt")


def write_paraformer(folder: Path) -> None:
    tokens = ["<blank>", "<s>", "</s>", *dict.fromkeys(CHINESE_CHARS), "<unk>"]
    write_json(folder / "tokens.json", tokens)
    (folder / "am.mvn").write_text(am_mvn(FEATURE_DIM), encoding="utf-8")
    config = paraformer_config()
    write_yaml(folder / "config.yaml", config)
    files = {"tokenizer_conf": {"token_list": "tokens.json"}, "frontend_conf": {"cmvn_file": "am.mvn"}}
    write_json(folder / "configuration.json", configuration_json(
        PARAFORMER, "auto-speech-recognition", {"init_param": "model.pt", "config": "config.yaml", **files}))
    save_weights(folder, config, files)


def write_sensevoice(folder: Path) -> None:
    (folder / SENSEVOICE_BPE).write_bytes(sentencepiece_model())
    (folder / "am.mvn").write_text(am_mvn(FEATURE_DIM), encoding="utf-8")
    config = sensevoice_config()
    write_yaml(folder / "config.yaml", config)
    files = {"tokenizer_conf": {"bpemodel": SENSEVOICE_BPE}, "frontend_conf": {"cmvn_file": "am.mvn"}}
    write_json(folder / "configuration.json", configuration_json(
        SENSEVOICE, "auto-speech-recognition", {"init_param": "model.pt", "config": "config.yaml", **files}))
    save_weights(folder, config, files)


def write_emotion2vec(folder: Path) -> None:
    (folder / "tokens.txt").write_text("\n".join(EMOTIONS) + "\n", encoding="utf-8")
    config = emotion2vec_config()
    write_yaml(folder / "config.yaml", config)
    files = {"tokenizer_conf": {"token_list": "tokens.txt"}}
    write_json(folder / "configuration.json", configuration_json(
        EMOTION2VEC, "emotion-recognition", {"init_param": "model.pt", "config": "config.yaml", **files}))
    save_weights(folder, config, files)


WRITERS = {PARAFORMER: write_paraformer, SENSEVOICE: write_sensevoice, EMOTION2VEC: write_emotion2vec}
# What each layout holds: GPT-SoVITS downloads only its Chinese model into tools/asr/models; the
# ModelScope cache gets every model that loads by its hub name.
GSV_MODELS = (PARAFORMER,)
MODELSCOPE_MODELS = (PARAFORMER, SENSEVOICE, EMOTION2VEC)


def build(name: str, folder: Path, built: dict[str, Path]) -> Path:
    """Write model `name` into folder (kept when complete), copying it when it was built elsewhere already."""
    if (folder / "model.pt").is_file():
        return folder
    staging = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    if name in built:
        shutil.copytree(built[name], staging, ignore=shutil.ignore_patterns(".mv"))
    else:
        staging.mkdir(parents=True)
        WRITERS[name](staging)
    shutil.rmtree(folder, ignore_errors=True)  # an incomplete earlier build
    staging.rename(folder)
    built.setdefault(name, folder)
    return folder


def modelscope_folder(cache: Path, name: str) -> Path:
    """Where ModelScope's snapshot_download (SDK up to 1.37, and GPT-SoVITS's pinned versions) keeps a model."""
    return cache / "models" / MODELSCOPE_ORG / name.replace(".", "___")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gsv-root", type=Path, help="write GPT-SoVITS's tools/asr/models here")
    parser.add_argument("--modelscope-cache", type=Path, help="write a ModelScope cache here")
    parser.add_argument("--flat", type=Path, help="write every model folder directly here")
    args = parser.parse_args(argv)
    if not (args.gsv_root or args.modelscope_cache or args.flat):
        parser.error("give at least one of --gsv-root, --modelscope-cache, --flat")
    started = time.perf_counter()
    built: dict[str, Path] = {}
    folders = []
    if args.gsv_root:
        folders += [build(n, args.gsv_root / "tools" / "asr" / "models" / n, built) for n in GSV_MODELS]
    if args.modelscope_cache:
        for name in MODELSCOPE_MODELS:
            folder = build(name, modelscope_folder(args.modelscope_cache, name), built)
            (folder / ".mv").write_text(f"Revision:master,CreatedAt:{int(time.time())}")
            folders.append(folder)
    if args.flat:
        folders += [build(n, args.flat / n, built) for n in WRITERS]
    for folder in folders:
        print(folder)
    print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
