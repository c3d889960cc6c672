"""Importing ketasim reads no file and draws nothing: state comes from calls, never from import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Run in a fresh interpreter: the test session has long imported ketasim. An audit hook sees
# every file opened; one that is not code counts when it lies in the package or when ketasim's
# own code (not a library it imports) opened it.
PROBE = textwrap.dedent(
    """
    import json, os, random, sys, sysconfig

    import numpy as np

    np_state = np.random.get_state()[1].tobytes()
    py_state = random.getstate()
    stdlib = os.path.dirname(os.__file__)
    code = (".py", ".pyc", ".so", ".pth")
    opened = []

    def hook(event, args):
        if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        path = os.fsdecode(args[0])
        if path.endswith(code):
            return
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if not (name.startswith("<") or name.startswith(stdlib) or name == "<string>"):
                break
            frame = frame.f_back
        caller = frame.f_code.co_filename if frame is not None else ""
        if os.sep + "ketasim" + os.sep in caller or os.sep + "ketasim" + os.sep in os.path.abspath(path):
            opened.append([path, caller])

    sys.addaudithook(hook)
    import ketasim
    import ketasim.model

    rng = {
        "numpy_rng_untouched": np.random.get_state()[1].tobytes() == np_state,
        "random_untouched": random.getstate() == py_state,
    }
    import ketasim.cli  # rich draws from ``random`` at import: files only here

    print(json.dumps({
        "opened": opened,
        "pyplot": "matplotlib.pyplot" in sys.modules,
        "backend_chosen": "matplotlib" in sys.modules
        and sys.modules["matplotlib"].rcParams._get_backend_or_none() is not None,
        **rng,
        "default_model_built": ketasim.model.default_model.cache_info().currsize,
    }))
    """
)


def _probe() -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=300
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_ketasim_reads_no_file_and_draws_nothing():
    result = _probe()
    assert result["opened"] == [], "files read at import"
    assert result["pyplot"] is False
    assert result["backend_chosen"] is False
    assert result["numpy_rng_untouched"] is True
    assert result["random_untouched"] is True
    assert result["default_model_built"] == 0, "the calibrated model is built on first use"


def test_the_probe_sees_a_file_read_by_ketasim():
    """The hook catches what it is for: ketasim code reading a data file."""
    probe = PROBE.replace(
        "import ketasim.cli  #",
        "ketasim.model.default_model()\nimport ketasim.cli  #",
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert any(path.endswith(".json") for path, _ in result["opened"])
