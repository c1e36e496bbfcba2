"""zoo.cpu: oneDNN switched on before TensorFlow loads, and CPU labels for
speed figures."""

import os
import subprocess
import sys

import pytest

from zoo import cpu

ON_X86 = cpu.x86()


def _python(code, **env_changes):
    env = {k: v for k, v in os.environ.items() if k != cpu.ONEDNN_VARIABLE}
    env.update(env_changes, TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_prefer_onednn_sets_the_variable_only_when_unset_and_before_tensorflow(monkeypatch):
    monkeypatch.setattr(cpu, "x86", lambda: True)
    monkeypatch.delitem(sys.modules, "tensorflow")  # as if TensorFlow were not loaded yet
    environ = {}
    assert cpu.prefer_onednn(environ) == "set" and environ == {cpu.ONEDNN_VARIABLE: "1"}
    environ = {cpu.ONEDNN_VARIABLE: "0"}
    assert cpu.prefer_onednn(environ) == "user" and environ[cpu.ONEDNN_VARIABLE] == "0"
    monkeypatch.setattr(cpu, "x86", lambda: False)
    environ = {}
    assert cpu.prefer_onednn(environ) == "not x86" and environ == {}


def test_prefer_onednn_is_late_once_tensorflow_is_loaded(monkeypatch):
    monkeypatch.setattr(cpu, "x86", lambda: True)
    assert "tensorflow" in sys.modules
    environ = {}
    assert cpu.prefer_onednn(environ) == "late" and environ == {}


@pytest.mark.skipif(not ON_X86, reason="oneDNN is TensorFlow's x86 option")
def test_import_zoo_turns_onednn_on_unless_the_user_said_no():
    code = "import zoo, zoo.cpu; print(zoo.cpu.onednn_enabled())"
    assert _python(code).stdout.split()[-1] == "True"
    assert _python(code, TF_ENABLE_ONEDNN_OPTS="0").stdout.split()[-1] == "False"


@pytest.mark.skipif(not ON_X86, reason="oneDNN is TensorFlow's x86 option")
def test_tensorflow_imported_first_warns_when_onednn_stays_off():
    code = "import tensorflow, zoo, zoo.cpu; print(zoo.cpu.onednn_enabled())"
    run = _python(code, TF_ENABLE_ONEDNN_OPTS="")
    # An empty value is "set by the user": no warning, whatever TensorFlow made of it.
    assert "TF_ENABLE_ONEDNN_OPTS=1" not in run.stderr
    run = _python(code)
    if run.stdout.split()[-1] == "False":  # TensorFlow's own default on this CPU is off
        assert "TF_ENABLE_ONEDNN_OPTS=1 before importing" in run.stderr
    else:  # a CPU where TensorFlow turns it on itself: nothing to say
        assert "TF_ENABLE_ONEDNN_OPTS=1 before importing" not in run.stderr


def test_describe_names_the_model_and_the_flags_that_matter(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: AMD EPYC 7B13\nflags\t\t: fpu sse avx avx2 fma\n")
    assert cpu.describe(str(info)).startswith("AMD EPYC 7B13, ")
    assert cpu.describe(str(info)).endswith("AVX2 (no AVX-512, no BF16, no AMX)")
    info.write_text("model name\t: Intel Xeon\nflags\t\t: avx2 avx512f avx512_bf16 amx_tile amx_bf16\n")
    assert cpu.describe(str(info)).endswith("AVX2, AVX-512, BF16, AMX")
    assert cpu.cpu_flags(str(tmp_path / "missing")) == []
