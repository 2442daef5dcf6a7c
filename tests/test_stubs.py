"""The student stubs (exercises/) match the reference (solutions/) exactly:
same functions, same signatures, documented, and not yet implemented."""

import importlib
import inspect

import numpy as np
import pytest

# The API of ../shared/API.md: module -> function -> valid arguments for one call.
API = {
    "exercise1": {
        "conv_output_size": ((32, 7), {"stride": 1, "padding": 0}),
        "same_padding": ((3,), {}),
        "conv_param_count": ((3, 1, 1), {"bias": True}),
    },
    "exercise2": {
        "conv_forward": ((np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), np.zeros(1)), {"stride": 1, "padding": 0}),
        "conv1x1_forward": ((np.ones((1, 2, 3, 3)), np.ones((1, 2)), np.zeros(1)), {}),
    },
    "exercise3": {
        "max_pool_forward": ((np.ones((1, 1, 4, 4)),), {"size": 2, "stride": 2}),
        "avg_pool_forward": ((np.ones((1, 1, 4, 4)),), {"size": 2, "stride": 2}),
        "global_avg_pool": ((np.ones((1, 1, 4, 4)),), {}),
    },
    "exercise4": {
        "relu": ((np.array([-2.0, 0.0, 3.0]),), {}),
        "residual_block_forward": (
            (np.ones((1, 2, 4, 4)), np.zeros((2, 2, 3, 3)), np.zeros(2), np.zeros((2, 2, 3, 3)), np.zeros(2)),
            {"stride": 1, "ws": None, "bs": None},
        ),
    },
    "exercise5": {
        "sigmoid": ((np.array([0.0]),), {}),
        "se_block_forward": (
            (np.ones((1, 2, 3, 3)), np.zeros((1, 2)), np.zeros(1), np.zeros((2, 1)), np.zeros(2)),
            {},
        ),
    },
    "exercise6": {
        "fc_forward": ((np.ones((2, 1, 2, 2)), np.ones((3, 4)), np.zeros(3)), {}),
        "fc_to_conv": ((np.ones((3, 4)), np.zeros(3), (1, 2, 2)), {}),
        "fc_score_map": ((np.ones((1, 1, 3, 3)), np.ones((3, 4)), np.zeros(3), (2, 2)), {"stride": 1}),
    },
}

FUNCTIONS = [(module, name) for module, functions in API.items() for name in functions]
IDS = [f"{module}.{name}" for module, name in FUNCTIONS]


def stub(module, name):
    return getattr(importlib.import_module(f"exercises.{module}"), name)


def reference(module, name):
    return getattr(importlib.import_module(f"solutions.{module}"), name)


def own_public_functions(package, module):
    mod = importlib.import_module(f"{package}.{module}")
    return {name for name, obj in vars(mod).items()
            if inspect.isfunction(obj) and obj.__module__ == mod.__name__ and not name.startswith("_")}


@pytest.mark.parametrize("module", API)
@pytest.mark.parametrize("package", ["exercises", "solutions"])
def test_module_defines_exactly_the_api(package, module):
    assert own_public_functions(package, module) == set(API[module])


@pytest.mark.parametrize("module, name", FUNCTIONS, ids=IDS)
def test_stub_signature_equals_reference(module, name):
    assert inspect.signature(stub(module, name)) == inspect.signature(reference(module, name))


@pytest.mark.parametrize("module, name", FUNCTIONS, ids=IDS)
def test_stub_raises_not_implemented(module, name):
    args, kwargs = API[module][name]
    with pytest.raises(NotImplementedError) as excinfo:
        stub(module, name)(*args, **kwargs)
    assert name in str(excinfo.value)


@pytest.mark.parametrize("module, name", FUNCTIONS, ids=IDS)
def test_reference_accepts_the_stub_call(module, name):
    """The arguments used above are valid: the reference answers them."""
    args, kwargs = API[module][name]
    reference(module, name)(*args, **kwargs)


@pytest.mark.parametrize("module, name", FUNCTIONS, ids=IDS)
def test_docstrings_are_written(module, name):
    for fn in (stub(module, name), reference(module, name)):
        doc = inspect.getdoc(fn)
        assert doc and len(doc.split()) >= 10, f"{fn.__module__}.{name} needs a docstring"
    assert "Hint" in inspect.getdoc(stub(module, name))


@pytest.mark.parametrize("module", API)
def test_stub_module_docstring(module):
    assert inspect.getdoc(importlib.import_module(f"exercises.{module}"))


@pytest.mark.parametrize(
    "module, name, source",
    [("exercise4", "conv_forward", "exercise2"),
     ("exercise5", "global_avg_pool", "exercise3"),
     ("exercise5", "relu", "exercise4")],
)
@pytest.mark.parametrize("package", ["exercises", "solutions"])
def test_later_exercises_reuse_earlier_functions(package, module, name, source):
    used = getattr(importlib.import_module(f"{package}.{module}"), name)
    assert used is getattr(importlib.import_module(f"{package}.{source}"), name)
