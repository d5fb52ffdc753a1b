import shutil

import pytest

from tests.ras.metrics.defects import build_corpus


@pytest.fixture(scope="session")
def prerank_corpus(tmp_path_factory):
    """60 espeak clips, the first third with planted defects; built once per session."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: apt-get install -y {tool} (needed for the defect corpus)")
    return build_corpus(tmp_path_factory.mktemp("prerank"), n_clips=60)
